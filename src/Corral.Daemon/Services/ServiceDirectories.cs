using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Users;

namespace Corral.Daemon.Services;

/// <summary>
/// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory=, ConfigurationDirectory=
/// (systemd.exec(5)): made under /run, /var/lib, /var/cache, /var/log and /etc before the run's
/// first command, the innermost given to User=/Group= (not a configuration directory) with its
/// *Mode=; named to every process in $RUNTIME_DIRECTORY and its kin; the runtime ones removed when
/// the service stops, as RuntimeDirectoryPreserve= says.
/// </summary>
internal static class ServiceDirectories
{
    /// <summary>Makes every directory the unit asks for; the first that cannot be made fails the start, naming its directive and path.</summary>
    public static void Make(ServiceUnit u)
    {
        if (u.Directories.Count == 0) return;
        var (uid, gid) = Owner(u);
        foreach (var kind in ExecDirectoryKinds.All)
        {
            bool owned = kind.OwnedByService();
            foreach (var path in u.DirectoriesOf(kind))
            {
                try
                {
                    ServiceDirectory.Create(kind.Base(), path, u.DirectoryMode(kind), owned ? uid : null, owned ? gid : null);
                }
                catch (ErrnoException e)
                {
                    throw new StartPreparationException($"{kind.Directive()}={path}: {e.Message}");
                }
            }
        }
    }

    /// <summary>
    /// The runtime directories go when the run ends, unless RuntimeDirectoryPreserve= keeps them:
    /// yes, always; restart, across an automatic or asked-for restart. What cannot be removed is
    /// returned, to be said; the stop goes on.
    /// </summary>
    public static List<string> RemoveRuntime(ServiceUnit u, bool restarting)
    {
        var failures = new List<string>();
        if (u.RuntimeDirectoryPreserve == RuntimeDirectoryPreserve.Yes || (restarting && u.RuntimeDirectoryPreserve == RuntimeDirectoryPreserve.Restart))
            return failures;
        foreach (var path in u.DirectoriesOf(ExecDirectoryKind.Runtime))
        {
            try
            {
                ServiceDirectory.Remove(ExecDirectoryKind.Runtime.Base(), path);
            }
            catch (Exception e) when (e is ErrnoException || Core.FileErrors.Is(e))
            {
                failures.Add($"RuntimeDirectory={path}: cannot remove {Path.Combine(ExecDirectoryKind.Runtime.Base(), path)}: {e.Message}");
            }
        }
        return failures;
    }

    /// <summary>$RUNTIME_DIRECTORY and its kin: the kind's full paths, joined by ':'.</summary>
    public static void AddToEnvironment(ServiceUnit u, Dictionary<string, string> env)
    {
        foreach (var (kind, paths) in u.Directories)
            env[kind.Variable()] = string.Join(':', paths.Select(p => kind.Base() + "/" + p));
    }

    private static (int? Uid, int? Gid) Owner(ServiceUnit u)
    {
        if (u.User is null && u.Group is null) return (null, null);
        var (user, gid) = ExecPreparation.Credentials(u, UserDatabase.Load());
        return (user?.Uid, gid);
    }
}
