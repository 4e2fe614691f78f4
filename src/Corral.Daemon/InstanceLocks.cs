using System.Net.Sockets;
using Corral.Linux;

namespace Corral.Daemon;

/// <summary>A daemon that must not start: another one holds what it would use. The message says which and what to do.</summary>
public sealed class DaemonStartException(string message) : Exception(message);

/// <summary>
/// One daemon per socket, per state directory and per cgroup root: each is locked (flock) before
/// it is used, and a second daemon given any of them refuses to start, naming the running one's
/// pid — it never renames its socket over a live one, never adopts another daemon's runs, never
/// stops another daemon's services as leftovers. The locks go with the process, also on SIGKILL.
/// </summary>
internal sealed class InstanceLocks : IDisposable
{
    private readonly List<FileLock> _held = [];

    /// <summary>The socket's and the state directory's locks: &lt;socket&gt;.lock and &lt;state-dir&gt;/daemon.lock.</summary>
    /// <param name="reexecuted">this process listens on the socket already (daemon-reexec handed it over): it answers, and is this daemon</param>
    public static InstanceLocks TakeFiles(string socketPath, string stateDir, bool reexecuted = false)
    {
        var locks = new InstanceLocks();
        try
        {
            locks.TakeFile(socketPath + ".lock", $"the socket {socketPath}", socketPath);
            locks.TakeFile(Path.Combine(stateDir, "daemon.lock"), $"the state directory {stateDir}", null);
            // A daemon of a build without these locks would not hold them: one that answers is just as live.
            if (!reexecuted && File.Exists(socketPath) && Answers(socketPath))
                throw new DaemonStartException($"a corral daemon already answers on {socketPath}: {Advice(socketPath)}");
            return locks;
        }
        catch
        {
            locks.Dispose();
            throw;
        }
    }

    /// <summary>The cgroup root's lock, on the directory itself (taken once it exists, before anything in it is looked at).</summary>
    public void TakeCgroupRoot(string root)
    {
        var held = FileLock.TryDirectory(root)
            ?? throw new DaemonStartException($"another corral daemon uses the cgroup root {root}; stop it first, or give this one another --cgroup-root");
        _held.Add(held);
    }

    /// <param name="socketPath">the socket the running daemon answers on, when the lock is the socket's</param>
    private void TakeFile(string path, string what, string? socketPath)
    {
        var held = FileLock.TryFile(path);
        if (held is null)
        {
            string who = FileLock.HolderOf(path) is { } pid ? $"another corral daemon (pid {pid})" : "another corral daemon";
            throw new DaemonStartException($"{who} is running with {what} (lock {path}): {Advice(socketPath)}");
        }
        _held.Add(held);
    }

    /// <summary>What a newcomer who started a second daemon by habit most likely wants: the first one.</summary>
    private static string Advice(string? socketPath)
    {
        string talk = socketPath is null ? "corral status"
            : socketPath == "/run/corral/corral.sock" ? "corral status" : $"corral --socket {socketPath} status";
        return $"no second daemon is needed, '{talk}' talks to the running one and its services keep running; " +
            "to replace it, stop it first (SIGTERM stops its services too); to run another beside it, give this one its own --socket, --state-dir and --cgroup-root";
    }

    private static bool Answers(string socketPath)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException) { return false; }
    }

    public void Dispose()
    {
        foreach (var l in _held) l.Dispose();
        _held.Clear();
    }
}
