namespace Corral.Linux.Notify;

/// <summary>
/// One datagram read from the notification socket, as the kernel vouches for it: the sender's pid,
/// uid and gid (SCM_CREDENTIALS, which an unprivileged sender cannot forge), its bytes, and what was
/// wrong with its envelope. Nothing of the payload is trusted yet.
/// </summary>
public sealed record NotifyDatagram(int Pid, int Uid, int Gid, byte[] Payload)
{
    /// <summary>A pidfd of the sender (SCM_PIDFD, Linux 6.5 on), valid while the datagram is handled; -1 without.</summary>
    public int SenderPidFd { get; init; } = -1;

    /// <summary>
    /// Whether the sender is still the process its pid names: true while its pidfd says it has not
    /// exited (so the pid cannot have been reused); without a pidfd, unknown and taken as yes.
    /// </summary>
    public unsafe bool SenderAlive()
    {
        if (SenderPidFd < 0) return true;
        var p = new Interop.PollFd { Fd = SenderPidFd, Events = Interop.POLLIN };
        return Interop.Poll(&p, 1, 0) == 0; // readable: it has exited
    }

    /// <summary>Longer than <see cref="NotifySocket.MaxBytes"/>: cut by the kernel, never to be acted on.</summary>
    public bool Oversized { get; init; }
    /// <summary>File descriptors came with it (closed once it is handled: what FDSTORE=1 keeps is duplicated first).</summary>
    public int FdsClosed { get; init; }
    /// <summary>Those descriptors, open while the datagram is handled.</summary>
    public IReadOnlyList<int> Fds { get; init; } = [];

    /// <summary>Duplicates of the descriptors that came with it, for whoever keeps them (FDSTORE=1); −1 where none could be made.</summary>
    public IReadOnlyList<int> Duplicates() => [.. Fds.Select(fd => Interop.Fcntl(fd, Interop.F_DUPFD_CLOEXEC, 3))];
    /// <summary>It came without credentials (the socket always asks for them, so this is a kernel surprise).</summary>
    public bool NoCredentials { get; init; }
}
