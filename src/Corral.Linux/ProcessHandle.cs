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

    /// <summary>
    /// A close-on-exec copy of the process's descriptor <paramref name="fd"/>, sharing its open file
    /// (pidfd_getfd, Linux 5.6; the caller needs ptrace rights over the process); throws why not.
    /// </summary>
    public int CopyDescriptor(int fd)
    {
        int pidfd = Volatile.Read(ref _pidfd);
        int copy = pidfd < 0 ? -1 : Interop.PidfdGetfd(pidfd, fd);
        if (copy < 0) throw new ErrnoException("pidfd_getfd", pidfd < 0 ? Interop.ESRCH : Interop.LastErrno, $"pid {Pid}, descriptor {fd}");
        return copy;
    }

    /// <summary>Waits until the process has ended (its pidfd is readable then), at most <paramref name="limit"/>; false if it still runs.</summary>
    public unsafe bool WaitEnded(TimeSpan limit)
    {
        int pidfd = Volatile.Read(ref _pidfd);
        if (pidfd < 0) return true;
        var p = new Interop.PollFd { Fd = pidfd, Events = Interop.POLLIN };
        var end = DateTime.UtcNow + limit;
        while (true)
        {
            int ms = (int)Math.Max(0, (end - DateTime.UtcNow).TotalMilliseconds);
            int rc = Interop.Poll(&p, 1, ms);
            if (rc > 0) return true;
            if (rc == 0 || Interop.LastErrno != Interop.EINTR) return false;
        }
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
