using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Users;

namespace Corral.Daemon.Services;

/// <summary>
/// RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory=, ConfigurationDirectory=
/// (systemd.exec(5)): made under /run, /var/lib, /var/cache, /var/log and /etc before the run's
/// first command, the innermost given to User=/Group= (not a configuration directory) with its
/// *Mode=; named to every process in $RUNTIME_DIRECTORY and its kin; the runtime ones removed when
/// the service stops, as RuntimeDirectoryPreserve= says. Under DynamicUser= the state, cache and
/// logs directories live in BASE/private/ (0700), reached through a link BASE/PATH → private/PATH.
/// </summary>
internal static class ServiceDirectories
{
    private const int RootOnly = 0x1c0; // 0700

    /// <summary>Makes every directory the unit asks for; the first that cannot be made fails the start, naming its directive and path.</summary>
    public static void Make(ServiceUnit u, UserEntry? dynamicUser = null)
    {
        if (u.Directories.Count == 0) return;
        var (uid, gid) = dynamicUser is { } d ? (d.Uid, d.Gid) : Owner(u);
        foreach (var kind in ExecDirectoryKinds.All)
        {
            bool owned = kind.OwnedByService();
            foreach (var path in u.DirectoriesOf(kind))
            {
                try
                {
                    if (dynamicUser is not null && kind.PrivateForDynamicUser()) MakePrivate(kind, path, u.DirectoryMode(kind), uid!.Value, gid!.Value);
                    else ServiceDirectory.Create(kind.Base(), path, u.DirectoryMode(kind), owned ? uid : null, owned ? gid : null);
                }
                catch (Exception e) when (e is ErrnoException || Core.FileErrors.Is(e))
                {
                    throw new StartPreparationException($"{kind.Directive()}={path}: {e.Message}");
                }
            }
        }
    }

    /// <summary>BASE/private/PATH for a dynamic user, given to its uid (all of it, when the uid changed since the last run), and the link to it.</summary>
    private static void MakePrivate(ExecDirectoryKind kind, string path, int mode, int uid, int gid)
    {
        string baseDir = kind.Base(), link = Path.Combine(baseDir, path), target = Path.Combine(baseDir, "private", path);
        ServiceDirectory.Create(baseDir, "private", RootOnly, null, null);
        // A directory the unit had before DynamicUser= moves in, as systemd moves it.
        if (FileFacts.OfPath(link) is { IsDirectory: true } && FileFacts.OfPath(target) is null)
        {
            if (Path.GetDirectoryName(path) is { Length: > 0 } parent) ServiceDirectory.Create(Path.Combine(baseDir, "private"), parent, 0x1ed, null, null);
            Directory.Move(link, target);
        }
        bool reowned = FileFacts.OfPath(target) is { } before && before.Uid != uid;
        ServiceDirectory.Create(Path.Combine(baseDir, "private"), path, mode, uid, gid);
        if (reowned) ServiceDirectory.ChownTree(target, uid, gid);
        if (Path.GetDirectoryName(path) is { Length: > 0 } linkParent) ServiceDirectory.Create(baseDir, linkParent, 0x1ed, null, null);
        string relative = Path.GetRelativePath(Path.GetDirectoryName(link)!, target);
        switch (FileFacts.OfPath(link))
        {
            case null:
                File.CreateSymbolicLink(link, relative);
                break;
            case { IsSymlink: true, Uid: 0 } when new FileInfo(link).LinkTarget == relative:
                break;
            default:
                throw new StartPreparationException($"{kind.Directive()}={path}: {link} is in the way of the link to {target} (DynamicUser=yes)");
        }
    }

    /// <summary>
    /// What a dynamic user's run sees of its private directories: an empty BASE/private (0755, so
    /// the link is followed) with only its own directories bound in, writable. Other services'
    /// private directories are not there.
    /// </summary>
    public static (List<TemporaryFileSystem> Tmpfs, List<BindMount> Binds) PrivateView(ServiceUnit u)
    {
        var tmpfs = new List<TemporaryFileSystem>();
        var binds = new List<BindMount>();
        foreach (var kind in ExecDirectoryKinds.All.Where(k => k.PrivateForDynamicUser()))
        {
            var paths = u.DirectoriesOf(kind);
            if (paths.Count == 0) continue;
            string privateDir = Path.Combine(kind.Base(), "private");
            tmpfs.Add(new TemporaryFileSystem(privateDir, "mode=0755"));
            foreach (var p in paths)
                binds.Add(new BindMount(Path.Combine(privateDir, p), Path.Combine(privateDir, p), ReadOnly: false, Recursive: true, Optional: false));
        }
        return (tmpfs, binds);
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
