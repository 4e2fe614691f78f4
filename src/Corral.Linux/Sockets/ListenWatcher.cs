namespace Corral.Linux.Sockets;

/// <summary>
/// One thread that waits for the first connection or datagram on listening descriptors it does
/// not own: each watched descriptor is reported once, when it becomes readable, and is then no
/// longer watched (the socket's owner decides what happens next, and watches it again). An
/// eventfd wakes the thread when the set changes.
/// </summary>
public sealed unsafe class ListenWatcher : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<int, Action> _watched = [];
    private readonly int _wake;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public ListenWatcher()
    {
        _wake = Interop.Eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        if (_wake < 0) throw new ErrnoException("eventfd", Interop.LastErrno);
        _thread = new Thread(Run) { IsBackground = true, Name = "listen-watcher" };
        _thread.Start();
    }

    /// <summary>Calls <paramref name="onReadable"/> (on the watcher's thread: it should only post) once the descriptor has something to read.</summary>
    public void Watch(int fd, Action onReadable)
    {
        lock (_gate) _watched[fd] = onReadable;
        Interop.EventfdSignal(_wake);
    }

    // The descriptors of the poll() in flight: the kernel holds a reference to each file until it
    // returns, so a socket closed meanwhile stays bound and listening (a start that binds its
    // address again at once fails with EADDRINUSE).
    private readonly HashSet<int> _inPoll = [];

    /// <summary>
    /// No longer watched (before its descriptor is closed or handed on). Returns once no poll of the
    /// watcher's thread holds the descriptor: closed after this, the socket is gone at once.
    /// </summary>
    public void Unwatch(int fd)
    {
        lock (_gate)
        {
            _watched.Remove(fd);
            if (!_inPoll.Contains(fd)) return;
            Interop.EventfdSignal(_wake);
            var end = DateTime.UtcNow.AddSeconds(2);
            while (_inPoll.Contains(fd) && !_stopping && DateTime.UtcNow < end) Monitor.Wait(_gate, 100);
        }
    }

    private void Run()
    {
        while (!_stopping)
        {
            int[] fds;
            lock (_gate)
            {
                fds = [.. _watched.Keys];
                _inPoll.UnionWith(fds);
            }
            var set = new Interop.PollFd[fds.Length + 1];
            set[0] = new Interop.PollFd { Fd = _wake, Events = Interop.POLLIN };
            for (int i = 0; i < fds.Length; i++) set[i + 1] = new Interop.PollFd { Fd = fds[i], Events = Interop.POLLIN };
            int n;
            fixed (Interop.PollFd* p = set) n = Interop.Poll(p, (ulong)set.Length, -1);
            lock (_gate)
            {
                _inPoll.Clear();
                Monitor.PulseAll(_gate);
            }
            if (n < 0) continue; // EINTR
            if ((set[0].Revents & Interop.POLLIN) != 0) Interop.EventfdClear(_wake);
            for (int i = 0; i < fds.Length; i++)
            {
                if (set[i + 1].Revents == 0) continue;
                Action? ready;
                lock (_gate)
                {
                    // Unwatched meanwhile (or watched again under the same number after a close): only a watch still in place fires.
                    if (!_watched.Remove(fds[i], out ready)) continue;
                }
                ready();
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Interop.EventfdSignal(_wake);
        _thread.Join(TimeSpan.FromSeconds(2));
        Interop.Close(_wake);
    }
}
