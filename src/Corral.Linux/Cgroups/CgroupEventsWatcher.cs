using System.Collections.Concurrent;

namespace Corral.Linux.Cgroups;

/// <summary>
/// Tells when a cgroup becomes empty: the kernel signals a change of cgroup.events as an
/// inotify IN_MODIFY (cgroup-v2.rst, "populated"), so one thread blocked in read() watches
/// every service at no cost while nothing happens.
/// </summary>
public sealed unsafe class CgroupEventsWatcher : ICgroupWatcher, IDisposable
{
    private readonly int _fd;
    private readonly ConcurrentDictionary<int, Action> _callbacks = new();
    private readonly Thread _thread;
    private volatile bool _disposed;

    public CgroupEventsWatcher()
    {
        _fd = Interop.InotifyInit1(Interop.IN_CLOEXEC);
        if (_fd < 0) throw new ErrnoException("inotify_init1", Interop.LastErrno);
        _thread = new Thread(Loop) { IsBackground = true, Name = "cgroup-events" };
        _thread.Start();
    }

    /// <summary>Calls <paramref name="onChange"/> (on the watcher thread) whenever the cgroup's events file changes.</summary>
    public IDisposable Watch(ServiceCgroup cg, Action onChange)
    {
        int wd = Interop.InotifyAddWatch(_fd, cg.EventsFile, Interop.IN_MODIFY);
        if (wd < 0) throw new ErrnoException("inotify_add_watch", Interop.LastErrno, cg.EventsFile);
        _callbacks[wd] = onChange;
        return new Subscription(this, wd);
    }

    private sealed class Subscription(CgroupEventsWatcher owner, int wd) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            owner._callbacks.TryRemove(wd, out _);
            if (!owner._disposed) Interop.InotifyRmWatch(owner._fd, wd); // EINVAL if the cgroup is already gone
        }
    }

    private void Loop()
    {
        byte* buf = stackalloc byte[4096];
        while (!_disposed)
        {
            nint n = Interop.Read(_fd, buf, 4096);
            if (n < 0)
            {
                if (Interop.LastErrno == Interop.EINTR) continue;
                return;
            }
            for (nint off = 0; off < n;)
            {
                int wd = *(int*)(buf + off);
                uint mask = *(uint*)(buf + off + 4);
                uint len = *(uint*)(buf + off + 12);
                off += 16 + (nint)len;
                if ((mask & Interop.IN_IGNORED) != 0) { _callbacks.TryRemove(wd, out _); continue; }
                if (_callbacks.TryGetValue(wd, out var cb))
                {
                    try { cb(); }
                    catch (Exception e) { Console.Error.WriteLine($"corral: cgroup event handler failed: {e}"); }
                }
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Interop.Close(_fd); // the blocked read returns EBADF and the thread ends
    }
}
