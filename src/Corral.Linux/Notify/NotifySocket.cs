using System.Net.Sockets;

namespace Corral.Linux.Notify;

/// <summary>
/// The daemon's notification socket (sd_notify's NOTIFY_SOCKET): a Unix datagram socket that any
/// local process may write to, read by one thread of its own. Every datagram is taken with the
/// sender's credentials as the kernel gives them (SO_PASSCRED) and cut at <see cref="MaxBytes"/>;
/// any file descriptors it carried are closed as soon as it has been handed on — a sender cannot make
/// the daemon hold its descriptors, or run it out of its own. That close is also sd_notify's
/// barrier (BARRIER=1 with a pipe): once it is seen, every message before has been handed on, in order.
/// </summary>
public sealed unsafe class NotifySocket : IDisposable
{
    /// <summary>systemd's NOTIFY_BUFFER_MAX (PIPE_BUF): longer messages are refused.</summary>
    public const int MaxBytes = 4096;
    // Room for the credentials and for as many descriptors as one message may carry (SCM_MAX_FD, 253).
    private const int ControlBytes = 2048;

    private readonly Socket _socket;
    private readonly Action<NotifyDatagram> _onDatagram;
    private readonly Thread _thread;
    private volatile bool _disposed;

    public string Path { get; }

    /// <param name="onDatagram">called on the socket's thread, one datagram at a time, in the order received</param>
    /// <param name="inherited">the socket, bound at <paramref name="path"/>, of the program image before this one (daemon-reexec): what was sent meanwhile is in its buffer</param>
    public NotifySocket(string path, Action<NotifyDatagram> onDatagram, int? inherited = null)
    {
        Path = path;
        _onDatagram = onDatagram;
        _kick = Interop.Eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        if (_kick < 0) throw new ErrnoException("eventfd", Interop.LastErrno);
        _gate = new PauseGate(_kick);
        if (inherited is { } fd) _socket = new Socket(new SafeSocketHandle(fd, ownsHandle: true));
        else
        {
            // The path is ours (the daemon holds the lock beside it): a socket left by a daemon that died is replaced.
            File.Delete(path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        }
        try
        {
            // One thread waits in poll, with the kick beside the socket (Pause), and reads without blocking.
            _socket.Blocking = false;
            if (inherited is not null) goto bound;
            _socket.SetRawSocketOption(Interop.SOL_SOCKET, Interop.SO_PASSCRED, BitConverter.GetBytes(1));
            // And a pidfd of the sender (Linux 6.5 on): who the pid names can then be checked after /proc is read.
            try { _socket.SetRawSocketOption(Interop.SOL_SOCKET, Interop.SO_PASSPIDFD, BitConverter.GetBytes(1)); }
            catch (SocketException) { }
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            // Services run as any user; what they may say is decided per message, by their pid.
            File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110);
        bound:;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "notify" };
        _thread.Start();
    }

    private void Loop()
    {
        int fd = (int)_socket.Handle;
        byte[] payload = new byte[MaxBytes + 1];
        byte* control = stackalloc byte[ControlBytes];
        var fds = new List<int>();
        var poll = stackalloc Interop.PollFd[2];
        while (!_disposed)
        {
            if (_gate.Paused) _gate.WaitWhilePaused(() => _disposed);
            poll[0] = new Interop.PollFd { Fd = _kick, Events = Interop.POLLIN };
            poll[1] = new Interop.PollFd { Fd = fd, Events = Interop.POLLIN };
            if (Interop.Poll(poll, 2, -1) < 0 && Interop.LastErrno != Interop.EINTR) Thread.Sleep(10);
            if (poll[0].Revents != 0) Interop.EventfdClear(_kick);
            if (_gate.Paused || poll[1].Revents == 0) continue;
            NotifyDatagram? d;
            fds.Clear();
            fixed (byte* p = payload) d = Receive(fd, p, payload.Length, control, fds);
            try
            {
                if (d is not null && !_disposed) _onDatagram(d);
            }
            catch (Exception e) { Console.Error.WriteLine($"corral: a notification from pid {d!.Pid} could not be handled: {e}"); }
            finally
            {
                foreach (int f in fds) Interop.Close(f);
            }
        }
    }

    private static NotifyDatagram? Receive(int fd, byte* buffer, int length, byte* control, List<int> fdsReceived)
    {
        var iov = new Interop.IoVec { Base = buffer, Length = (nuint)length };
        var msg = new Interop.MsgHdr { Iov = &iov, IovLength = 1, Control = control, ControlLength = ControlBytes };
        nint n = Interop.Recvmsg(fd, &msg, Interop.MSG_CMSG_CLOEXEC | Interop.MSG_DONTWAIT);
        if (n < 0)
        {
            int errno = Interop.LastErrno;
            if (errno is Interop.EINTR or Interop.EAGAIN) return null;
            // The socket was shut down (Dispose), or worse: nothing more will come.
            Thread.Sleep(errno == Interop.EBADF || errno == Interop.EINVAL ? 1000 : 10);
            return null;
        }
        int pid = 0, uid = -1, gid = -1, fds = 0, pidfd = -1;
        var rights = new List<int>();
        bool creds = false;
        for (nuint off = 0; off + (nuint)sizeof(Interop.CmsgHdr) <= msg.ControlLength;)
        {
            var h = (Interop.CmsgHdr*)(control + off);
            if (h->Length < (nuint)sizeof(Interop.CmsgHdr) || off + h->Length > msg.ControlLength) break;
            byte* data = (byte*)h + sizeof(Interop.CmsgHdr);
            nuint dataLength = h->Length - (nuint)sizeof(Interop.CmsgHdr);
            if (h->Level == Interop.SOL_SOCKET && h->Type == Interop.SCM_CREDENTIALS && dataLength >= 12)
            {
                (pid, uid, gid, creds) = (((int*)data)[0], ((int*)data)[1], ((int*)data)[2], true);
            }
            else if (h->Level == Interop.SOL_SOCKET && h->Type == Interop.SCM_PIDFD && dataLength >= 4)
            {
                pidfd = ((int*)data)[0];
                fdsReceived.Add(pidfd); // closed with the rest once the datagram is handled
            }
            else if (h->Level == Interop.SOL_SOCKET && h->Type == Interop.SCM_RIGHTS)
            {
                for (nuint i = 0; i + 4 <= dataLength; i += 4, fds++)
                {
                    fdsReceived.Add(((int*)(data + i))[0]);
                    rights.Add(((int*)(data + i))[0]);
                }
            }
            off += Interop.CmsgAlign(h->Length);
        }
        bool oversized = n > MaxBytes || (msg.Flags & Interop.MSG_TRUNC) != 0;
        var bytes = new ReadOnlySpan<byte>(buffer, (int)Math.Min(n, MaxBytes)).ToArray();
        return new NotifyDatagram(pid, uid, gid, bytes) { Oversized = oversized, FdsClosed = fds, Fds = rights, NoCredentials = !creds, SenderPidFd = pidfd };
    }

    private readonly int _kick;
    private readonly PauseGate _gate;

    /// <summary>The bound socket (to hand over to the next program image, see <see cref="Handover"/>).</summary>
    public int Fd => (int)_socket.Handle;

    /// <summary>
    /// Stops reading: datagrams sent from now on wait in the socket's buffer (for the next program
    /// image, or until <see cref="Resume"/>). When this returns the one being handled, if any, is done.
    /// </summary>
    public void Pause() => _gate.Pause(TimeSpan.FromSeconds(5));

    public void Resume() => _gate.Resume();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interop.EventfdSignal(_kick);
        _thread.Join(TimeSpan.FromSeconds(2));
        _socket.Dispose();
        Interop.Close(_kick);
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
