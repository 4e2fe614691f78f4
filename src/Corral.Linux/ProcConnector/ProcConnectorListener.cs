using System.Collections.Concurrent;

namespace Corral.Linux.ProcConnector;

/// <summary>
/// Listens to the kernel's process connector (NETLINK_CONNECTOR, CN_IDX_PROC) on one thread and
/// hands every fork, exec and exit of a process to a callback. A full socket buffer loses events
/// (ENOBUFS); those are counted in <see cref="Overruns"/> and reported to <see cref="Overrun"/>.
/// The thread is also an <see cref="IEventLoop"/>: the state the callback keeps (the lineage of the
/// services' processes) is owned by it, and other threads post their work on it here. Posted work
/// runs between datagrams, at least every 32 of them, so an ask is answered during a burst too.
/// </summary>
public sealed unsafe class ProcConnectorListener : IDisposable, IEventLoop
{
    private const uint CnIdxProc = 1, CnValProc = 1, McastListen = 1, McastIgnore = 2;
    private const int MsgDontWait = 0x40;
    private readonly int _fd;
    private readonly int _kick;
    private readonly Action<ProcEvent> _onEvent;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Thread _thread;
    private volatile bool _disposed;
    // The thread has ended (disposed, or its socket failed): posted work runs on the poster's thread.
    private volatile bool _ended;
    private long _overruns;

    /// <param name="inherited">
    /// the socket of the program image before this one (daemon-reexec), still subscribed, with the
    /// events since in its buffer; the listener then starts paused (see <see cref="Resume"/>)
    /// </param>
    public ProcConnectorListener(Action<ProcEvent> onEvent, int receiveBufferBytes = 32 << 20, int? inherited = null)
    {
        _onEvent = onEvent;
        if (inherited is { } fd)
        {
            _fd = fd;
            _paused = true;
            _kick = Interop.Eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
            if (_kick < 0) throw new ErrnoException("eventfd", Interop.LastErrno);
            _thread = new Thread(Loop) { IsBackground = true, Name = "proc-connector" };
            _thread.Start();
            return;
        }
        _fd = Interop.Socket(Interop.AF_NETLINK, Interop.SOCK_DGRAM | Interop.SOCK_CLOEXEC, Interop.NETLINK_CONNECTOR);
        if (_fd < 0) throw new ErrnoException("socket(NETLINK_CONNECTOR)", Interop.LastErrno);
        int size = receiveBufferBytes;
        Interop.SetSockOpt(_fd, Interop.SOL_SOCKET, Interop.SO_RCVBUFFORCE, &size, sizeof(int));
        var addr = new Interop.SockaddrNl { Family = Interop.AF_NETLINK, Pid = 0, Groups = CnIdxProc };
        if (Interop.BindNetlink(_fd, ref addr, sizeof(Interop.SockaddrNl)) < 0)
        {
            int e = Interop.LastErrno;
            Interop.Close(_fd);
            throw new ErrnoException("bind(NETLINK_CONNECTOR)", e);
        }
        _kick = Interop.Eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        if (_kick < 0)
        {
            int e = Interop.LastErrno;
            Interop.Close(_fd);
            throw new ErrnoException("eventfd", e);
        }
        SendControl(McastListen);
        if (ListenRefusal() is { } refused and not 0)
        {
            Interop.Close(_fd);
            Interop.Close(_kick);
            throw new ErrnoException("PROC_CN_MCAST_LISTEN (the process connector; CAP_NET_ADMIN is needed)", refused);
        }
        _thread = new Thread(Loop) { IsBackground = true, Name = "proc-connector" };
        _thread.Start();
    }

    /// <summary>
    /// The listener, or — where the connector cannot be had (no CAP_NET_ADMIN, as in most containers) —
    /// a loop with no socket that runs posted work only, and why in <paramref name="unavailable"/>:
    /// processes are then known by their spawns and the reaper alone, not by their forks.
    /// </summary>
    public static ProcConnectorListener TryStart(Action<ProcEvent> onEvent, int receiveBufferBytes, out string? unavailable)
    {
        unavailable = null;
        try { return new ProcConnectorListener(onEvent, receiveBufferBytes); }
        catch (ErrnoException e)
        {
            unavailable = e.Message;
            return Without(onEvent);
        }
    }

    /// <summary>A loop with no socket, running posted work only (see <see cref="TryStart"/>): the connector is not to be used here.</summary>
    public static ProcConnectorListener Without(Action<ProcEvent> onEvent) => new(onEvent, 0, inherited: -1);

    /// <summary>The subscribed socket (to hand over to the next program image, see <see cref="Handover"/>); -1 without one.</summary>
    public int Fd => _fd;

    private volatile bool _paused;

    /// <summary>
    /// Stops reading: events stay in the socket's buffer (for the next program image, or until
    /// <see cref="Resume"/>). When this returns every event read so far has been handed on. Posted
    /// work still runs.
    /// </summary>
    public void Pause()
    {
        using var seen = new ManualResetEventSlim();
        Post(() => { _paused = true; seen.Set(); });
        seen.Wait(TimeSpan.FromSeconds(5));
    }

    /// <summary>Reads again, from the first event not read.</summary>
    public void Resume() => Post(() => _paused = _fd < 0);

    /// <summary>How many times the kernel dropped events because the socket buffer was full.</summary>
    public long Overruns => Interlocked.Read(ref _overruns);

    /// <summary>Raised (on the listener thread) after events were lost, so that state can be rebuilt from /proc.</summary>
    public event Action? Overrun;

    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>
    /// Runs <paramref name="work"/> on the listener's thread. Once that thread has ended (disposed,
    /// or its socket failed), nothing else owns the state and the work runs on the caller's thread:
    /// an ask never waits for a thread that is gone.
    /// </summary>
    public void Post(Action work)
    {
        if (_ended)
        {
            work();
            return;
        }
        _posted.Enqueue(work);
        if (!_disposed) Interop.EventfdSignal(_kick);
        if (_ended) RunPosted(); // it ended between the look and the queue: nobody else will run it
    }

    /// <summary>
    /// The kernel's answer to the subscription (a PROC_EVENT_NONE message carrying an errno: EPERM
    /// without CAP_NET_ADMIN), waited for at most 200 ms; null when none came. Events read before it
    /// are dropped: nothing of Corral's runs yet.
    /// </summary>
    private int? ListenRefusal()
    {
        byte* buf = stackalloc byte[DatagramBytes];
        long until = Environment.TickCount64 + 200;
        while (true)
        {
            int left = (int)(until - Environment.TickCount64);
            if (left <= 0) return null;
            var fd = new Interop.PollFd { Fd = _fd, Events = Interop.POLLIN };
            if (Interop.Poll(&fd, 1, left) <= 0) continue;
            nint n = Interop.Read(_fd, buf, DatagramBytes); // poll said a datagram waits: the read does not block
            if (n < 0) continue;
            if (ProcEvent.TryParseAck(new ReadOnlySpan<byte>(buf, (int)n), out int err)) return err;
        }
    }

    private void SendControl(uint op)
    {
        // nlmsghdr (16) + cn_msg (20) + the operation (4)
        byte* msg = stackalloc byte[40];
        new Span<byte>(msg, 40).Clear();
        *(uint*)msg = 40;
        *(ushort*)(msg + 4) = 3; // NLMSG_DONE: a single-part message
        *(uint*)(msg + 12) = (uint)Environment.ProcessId;
        *(uint*)(msg + 16) = CnIdxProc;
        *(uint*)(msg + 20) = CnValProc;
        *(ushort*)(msg + 32) = 4;
        *(uint*)(msg + 36) = op;
        if (Interop.Send(_fd, msg, 40, 0) < 0) throw new ErrnoException("send(PROC_CN_MCAST)", Interop.LastErrno);
    }

    private void Loop()
    {
        var fds = stackalloc Interop.PollFd[2];
        var batch = new Batch();
        while (!_disposed)
        {
            fds[0] = new Interop.PollFd { Fd = _kick, Events = Interop.POLLIN };
            fds[1] = new Interop.PollFd { Fd = _fd, Events = Interop.POLLIN };
            // Paused: only posted work wakes the thread.
            if (Interop.Poll(fds, _paused ? 1UL : 2UL, -1) < 0)
            {
                if (Interop.LastErrno == Interop.EINTR) continue;
                break;
            }
            // Each look costs a system call, and a fork storm wakes this thread thousands of times a
            // second: the eventfd is read only when it was kicked, the socket only when it has data.
            if (fds[0].Revents != 0)
            {
                Interop.EventfdClear(_kick);
                RunPosted();
            }
            if (_paused || fds[1].Revents == 0) continue;
            int read = ReadAvailable(ref batch);
            if (read < 0) break;
            // A tree forking or being killed anywhere on the machine sends an event every few
            // hundred microseconds, each of which would wake this thread, and a wake-up costs more
            // than the event. After a pass, the next events gather for a millisecond and are taken
            // in one: an event after a quiet spell is still read at once, one in a stream at most
            // a millisecond late, and the thread wakes at most a thousand times a second. Work
            // posted meanwhile ends the pause.
            if (read > 0) PolledReader.PauseUnlessKicked(_kick);
        }
        if (!_disposed) Console.Error.WriteLine($"corral: the process connector stopped reading ({Interop.StrError(Interop.LastErrno)}): process events are no longer seen");
        _ended = true;
        RunPosted();
    }

    private const int BatchSize = 32, DatagramBytes = 512; // a proc_event datagram is under 100 bytes

    /// <summary>recvmmsg's buffers: one call takes up to 32 datagrams.</summary>
    private struct Batch
    {
        public fixed byte Data[BatchSize * DatagramBytes];
    }

    /// <summary>Reads and hands on every datagram waiting: how many, or -1 once the socket is closed.</summary>
    private int ReadAvailable(ref Batch batch)
    {
        var iov = stackalloc Interop.IoVec[BatchSize];
        var msgs = stackalloc Interop.MMsgHdr[BatchSize];
        int total = 0;
        fixed (byte* data = batch.Data)
        {
            for (int i = 0; i < BatchSize; i++)
            {
                iov[i] = new Interop.IoVec { Base = data + i * DatagramBytes, Length = DatagramBytes };
                msgs[i] = new Interop.MMsgHdr { Header = new Interop.MsgHdr { Iov = &iov[i], IovLength = 1 } };
            }
            while (!_disposed && !_paused)
            {
                int n = Interop.Recvmmsg(_fd, msgs, BatchSize, MsgDontWait, null);
                if (n < 0)
                {
                    int errno = Interop.LastErrno;
                    if (errno == Interop.EINTR) continue;
                    if (errno == Interop.EAGAIN) return total;
                    if (errno == Interop.ENOBUFS)
                    {
                        Interlocked.Increment(ref _overruns);
                        try { Overrun?.Invoke(); } catch (Exception e) { Console.Error.WriteLine($"corral: overrun handler failed: {e}"); }
                        continue;
                    }
                    return -1; // closed
                }
                for (int i = 0; i < n; i++)
                {
                    if (ProcEvent.TryParse(new ReadOnlySpan<byte>(data + i * DatagramBytes, (int)Math.Min(msgs[i].Length, DatagramBytes)), out var ev))
                    {
                        try { _onEvent(ev); }
                        catch (Exception e) { Console.Error.WriteLine($"corral: process event handler failed: {e}"); }
                    }
                }
                total += n;
                RunPosted(); // an ask is answered during a burst too
                if (n < BatchSize) return total;
            }
        }
        return _disposed ? -1 : total; // paused: the rest waits in the buffer
    }

    private void RunPosted()
    {
        while (_posted.TryDequeue(out var work))
        {
            try { work(); }
            catch (Exception e) { Console.Error.WriteLine($"corral: work posted to the process connector failed: {e}"); }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try { SendControl(McastIgnore); } catch (ErrnoException) { }
        Interop.EventfdSignal(_kick);
        _thread.Join(TimeSpan.FromSeconds(2));
        _ended = true;
        Interop.Close(_fd);
        Interop.Close(_kick);
        RunPosted(); // anything posted while the thread was ending
    }
}
