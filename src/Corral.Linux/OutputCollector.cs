using System.Collections.Concurrent;

namespace Corral.Linux;

/// <summary>
/// Drains the stdout and stderr pipes of every service on one epoll thread, so a service that
/// floods its output never blocks on a full pipe and never holds up the daemon's other work.
/// What is read goes to the service's <see cref="IOutputSink"/>.
/// </summary>
public sealed unsafe class OutputCollector : IDisposable
{
    private readonly int _epfd;
    private readonly int _wakeFd;
    private readonly ConcurrentDictionary<int, (IOutputSink Sink, bool IsStderr)> _readers = new();
    private readonly Thread _thread;
    private volatile bool _disposed;
    // Asked for by DrainAsync, answered by the output thread when the wake-up descriptor fires.
    private readonly ConcurrentQueue<(OutputPipes Pipes, TaskCompletionSource Done)> _drains = new();

    public OutputCollector()
    {
        _epfd = Interop.EpollCreate1(Interop.O_CLOEXEC);
        if (_epfd < 0) throw new ErrnoException("epoll_create1", Interop.LastErrno);
        _wakeFd = Interop.Eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        Add(_wakeFd);
        _thread = new Thread(Loop) { IsBackground = true, Name = "output" };
        _thread.Start();
    }

    /// <summary>A stdout and a stderr pipe for a service; the write ends go to its processes.</summary>
    public OutputPipes Open(IOutputSink sink)
    {
        var (outRead, outWrite) = Interop.Pipe2(Interop.O_CLOEXEC | Interop.O_NONBLOCK);
        var (errRead, errWrite) = Interop.Pipe2(Interop.O_CLOEXEC | Interop.O_NONBLOCK);
        // The service's ends block as a pipe normally does; only the daemon's ends are non-blocking.
        Interop.Fcntl(outWrite, Interop.F_SETFL, 0);
        Interop.Fcntl(errWrite, Interop.F_SETFL, 0);
        _readers[outRead] = (sink, false);
        _readers[errRead] = (sink, true);
        Add(outRead);
        Add(errRead);
        return new OutputPipes(this, outRead, outWrite, errRead, errWrite);
    }

    /// <summary>
    /// Takes over a service's pipes after the daemon's own death: the pipe holder (a process that
    /// keeps their read ends as its fds 1 and 2) still has them, and a pipe named in /proc/PID/fd
    /// opens like a FIFO, for reading and for writing. Null when the holder is gone.
    /// </summary>
    public OutputPipes? Adopt(IOutputSink sink, int holderPid)
    {
        int outRead = Interop.Open($"/proc/{holderPid}/fd/1", Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC);
        int errRead = Interop.Open($"/proc/{holderPid}/fd/2", Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC);
        int outWrite = Interop.Open($"/proc/{holderPid}/fd/1", Interop.O_WRONLY | Interop.O_CLOEXEC);
        int errWrite = Interop.Open($"/proc/{holderPid}/fd/2", Interop.O_WRONLY | Interop.O_CLOEXEC);
        if (outRead < 0 || errRead < 0 || outWrite < 0 || errWrite < 0)
        {
            foreach (int fd in new[] { outRead, errRead, outWrite, errWrite })
                if (fd >= 0) Interop.Close(fd);
            return null;
        }
        _readers[outRead] = (sink, false);
        _readers[errRead] = (sink, true);
        Add(outRead);
        Add(errRead);
        return new OutputPipes(this, outRead, outWrite, errRead, errWrite);
    }

    private void Add(int fd)
    {
        var ev = new Interop.EpollEvent { Events = Interop.EPOLLIN, Data = (ulong)fd };
        if (Interop.EpollCtl(_epfd, Interop.EPOLL_CTL_ADD, fd, ref ev) < 0)
            throw new ErrnoException("epoll_ctl", Interop.LastErrno);
    }

    internal void Remove(int readFd)
    {
        var ev = new Interop.EpollEvent();
        Interop.EpollCtl(_epfd, Interop.EPOLL_CTL_DEL, readFd, ref ev);
        if (_readers.TryRemove(readFd, out var r)) Drain(readFd, r.Sink, r.IsStderr);
        Interop.Close(readFd);
    }

    private void Loop()
    {
        var events = stackalloc Interop.EpollEvent[32];
        byte* buf = stackalloc byte[65536];
        while (!_disposed)
        {
            int n = Interop.EpollWait(_epfd, events, 32, -1);
            if (n < 0)
            {
                if (Interop.LastErrno == Interop.EINTR) continue;
                return;
            }
            for (int i = 0; i < n; i++)
            {
                int fd = (int)events[i].Data;
                if (fd == _wakeFd)
                {
                    ulong count;
                    Interop.Read(_wakeFd, (byte*)&count, 8);
                    DrainAsked();
                    continue;
                }
                if (_readers.TryGetValue(fd, out var r)) ReadOnce(fd, r.Sink, r.IsStderr, buf);
            }
        }
    }

    /// <summary>
    /// Once the task completes, everything a service wrote to its pipes before the call has been handed
    /// to its sink: the output thread reads what is left in them, in order with what it read before.
    /// For the end of a run, when its processes are gone and all they wrote is in the pipes: its last
    /// line without a newline can then be written (the run's end may come before the thread's read).
    /// </summary>
    public Task DrainAsync(OutputPipes pipes)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _drains.Enqueue((pipes, done));
        ulong one = 1;
        Interop.Write(_wakeFd, (byte*)&one, 8);
        if (_disposed) DrainAsked(); // no thread to do it any more
        return done.Task;
    }

    private void DrainAsked()
    {
        while (_drains.TryDequeue(out var d))
        {
            foreach (int fd in new[] { d.Pipes.StdoutRead, d.Pipes.StderrRead })
                if (!_disposed && _readers.TryGetValue(fd, out var r)) Drain(fd, r.Sink, r.IsStderr);
            d.Done.TrySetResult();
        }
    }

    private static void ReadOnce(int fd, IOutputSink sink, bool isStderr, byte* buf)
    {
        // One read per wake-up keeps a flooding service from starving the others.
        nint got = Interop.Read(fd, buf, 65536);
        if (got > 0) Deliver(sink, new ReadOnlySpan<byte>(buf, (int)got), isStderr);
    }

    private static void Drain(int fd, IOutputSink sink, bool isStderr)
    {
        byte* buf = stackalloc byte[4096];
        for (int i = 0; i < 64; i++)
        {
            nint got = Interop.Read(fd, buf, 4096);
            if (got <= 0) break;
            Deliver(sink, new ReadOnlySpan<byte>(buf, (int)got), isStderr);
        }
    }

    /// <summary>
    /// Hands what was read to its sink. A sink that throws loses that read, not the daemon: this is
    /// the one thread that drains every service's pipes, and an exception that ended it would end the
    /// process (a full disk once did, through a log's flush).
    /// </summary>
    private static void Deliver(IOutputSink sink, ReadOnlySpan<byte> data, bool isStderr)
    {
        try
        {
            sink.Write(data, isStderr);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"corral: output of a service lost ({data.Length} bytes): {e.Message}");
        }
    }

    public void Dispose()
    {
        _disposed = true;
        ulong one = 1;
        Interop.Write(_wakeFd, (byte*)&one, 8);
    }
}

public interface IOutputSink
{
    void Write(ReadOnlySpan<byte> data, bool isStderr);
}

/// <summary>A service's two output pipes. Dispose closes them all.</summary>
public sealed class OutputPipes(OutputCollector owner, int outRead, int outWrite, int errRead, int errWrite) : IDisposable
{
    public int StdoutWrite { get; } = outWrite;
    public int StderrWrite { get; } = errWrite;
    /// <summary>The read ends, to hand to the pipe holder.</summary>
    public int StdoutRead { get; } = outRead;
    public int StderrRead { get; } = errRead;
    private int _disposed;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Interop.Close(StdoutWrite);
        Interop.Close(StderrWrite);
        owner.Remove(StdoutRead);
        owner.Remove(StderrRead);
    }
}
