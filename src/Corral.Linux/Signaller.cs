namespace Corral.Linux;

/// <summary>Signals by pid, for processes read from a service cgroup of Corral's own.</summary>
public static class Signaller
{
    /// <summary>kill(2); false when the process is gone (ESRCH).</summary>
    public static bool TryKill(int pid, int signal)
    {
        if (pid <= 1) throw new ArgumentOutOfRangeException(nameof(pid), pid, "refusing to signal pid 0, 1 or a group");
        if (Interop.Kill(pid, signal) == 0) return true;
        int errno = Interop.LastErrno;
        if (errno == Interop.ESRCH) return false;
        throw new ErrnoException("kill", errno, $"pid {pid}");
    }
}
