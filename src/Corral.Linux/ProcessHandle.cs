namespace Corral.Linux;

/// <summary>
/// A process Corral started, named by pid and pidfd together (systemd's PidRef): signals go
/// through the pidfd, so they can never reach another process that reused the pid.
/// </summary>
public sealed class ProcessHandle : IProcessHandle
{
    private int _pidfd;

    public ProcessHandle(int pid, int pidfd)
    {
        Pid = pid;
        _pidfd = pidfd;
    }

    public int Pid { get; }

    /// <summary>What its spawn could not give it as asked, in words (a limit lowered to the most it may have).</summary>
    public IReadOnlyList<string> SpawnWarnings { get; internal set; } = [];

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public bool TrySignal(int signal)
    {
        int fd = Volatile.Read(ref _pidfd);
        if (fd < 0) return false;
        if (Interop.PidfdSendSignal(fd, signal) == 0) return true;
        int errno = Interop.LastErrno;
        if (errno == Interop.ESRCH) return false;
        throw new ErrnoException("pidfd_send_signal", errno, $"pid {Pid}");
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _pidfd, -1);
        if (fd >= 0) Interop.Close(fd);
    }

    /// <summary>Opens a pidfd for a process Corral did not spawn itself (a forking service's daemon).</summary>
    public static ProcessHandle? TryOpen(int pid)
    {
        int fd = Interop.PidfdOpen(pid);
        return fd < 0 ? null : new ProcessHandle(pid, fd);
    }
}
