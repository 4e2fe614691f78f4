using System.Collections.Concurrent;
using Corral.Linux.Procfs;

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
        _gate = new PauseGate(_wakeFd);
        _thread = new Thread(Loop) { IsBackground = true, Name = "output" };
        _thread.Start();
    }

    /// <summary>
    /// A stdout and a stderr pipe for a service. The end its processes get is opened for reading and
    /// writing (the pipe reopened through /proc/self/fd, as a FIFO opens): each process that holds it
    /// also counts as a reader, so when the daemon dies the service's next write does not raise
    /// SIGPIPE — it waits in the pipe (blocking once 64 KiB are there) for the next daemon, which
    /// takes the pipe back from those processes (<see cref="Adopt"/>). No helper process is needed.
    /// </summary>
    public OutputPipes Open(IOutputSink sink)
    {
        var (outRead, outWrite) = Interop.Pipe2(Interop.O_CLOEXEC | Interop.O_NONBLOCK);
        Interop.Close(outWrite);
        var (errRead, errWrite) = Interop.Pipe2(Interop.O_CLOEXEC | Interop.O_NONBLOCK);
        Interop.Close(errWrite);
        return Collect(sink, outRead, errRead) ?? throw new ErrnoException("open /proc/self/fd", Interop.LastErrno);
    }

    /// <summary>
    /// Takes over a service's pipes after the daemon's own death. Each pipe is named by its identity
    /// ("pipe:[INODE]", from <see cref="OutputPipes.StdoutId"/>), and is opened again from a process
    /// that still holds it (/proc/PID/fd/N opens like a FIFO); what was written meanwhile is read
    /// first. Null when no given process holds both: the service's next processes get new pipes.
    /// </summary>
    public OutputPipes? Adopt(IOutputSink sink, IEnumerable<int> pids, string stdoutId, string stderrId)
    {
        int outRead = -1, errRead = -1;
        foreach (int pid in pids)
        {
            foreach (string fd in ProcFds.Paths(pid))
            {
                if (outRead < 0) outRead = OpenIfIs(fd, stdoutId);
                if (errRead < 0) errRead = OpenIfIs(fd, stderrId);
                if (outRead >= 0 && errRead >= 0) return Collect(sink, outRead, errRead);
            }
        }
        if (outRead >= 0) Interop.Close(outRead);
        if (errRead >= 0) Interop.Close(errRead);
        return null;
    }

    /// <summary>
    /// The identity of the pipe a process has as descriptor FD when it is one of Corral's output pipes
    /// (a pipe open for reading and writing, as only <see cref="Open"/> makes them); else null. For a
    /// run whose record was never written, to find its pipes from its main process.
    /// </summary>
    public static string? OutputPipeOf(int pid, int fd) =>
        ProcFds.Target(pid, fd) is { } id && id.StartsWith("pipe:", StringComparison.Ordinal) && ProcFds.AccessMode(pid, fd) == Interop.O_RDWR ? id : null;

    /// <summary>
    /// The pipe at PATH opened for reading, if it is the one named ID (checked again on the descriptor
    /// opened, so a descriptor the process closed and reused meanwhile is not taken); else -1. The
    /// service owns what PATH names: the open neither waits (O_NONBLOCK) nor takes a terminal.
    /// </summary>
    private static int OpenIfIs(string path, string id)
    {
        if (ProcFds.Target(path) != id) return -1;
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_NOCTTY | Interop.O_CLOEXEC);
        if (fd < 0) return -1;
        if (ProcFds.Target($"/proc/self/fd/{fd}") == id) return fd;
        Interop.Close(fd);
        return -1;
    }

    /// <summary>Collects from the two read ends and makes the read-and-write ends the services get; null (both closed) if that fails.</summary>
    private OutputPipes? Collect(IOutputSink sink, int outRead, int errRead)
    {
        int outWrite = Interop.Open($"/proc/self/fd/{outRead}", Interop.O_RDWR | Interop.O_CLOEXEC);
        int errWrite = Interop.Open($"/proc/self/fd/{errRead}", Interop.O_RDWR | Interop.O_CLOEXEC);
        string? outId = ProcFds.Target($"/proc/self/fd/{outRead}"), errId = ProcFds.Target($"/proc/self/fd/{errRead}");
        if (outWrite < 0 || errWrite < 0 || outId is null || errId is null)
        {
            foreach (int fd in new[] { outRead, errRead, outWrite, errWrite })
                if (fd >= 0) Interop.Close(fd);
            return null;
        }
        _readers[outRead] = (sink, false);
        _readers[errRead] = (sink, true);
        Add(outRead);
        Add(errRead);
        return new OutputPipes(this, outRead, outWrite, errRead, errWrite, outId, errId);
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
            if (_gate.Paused)
            {
                // What the services write meanwhile waits in their pipes, which they hold open too.
                _gate.WaitWhilePaused(() => _disposed);
                DrainAsked(); // a drain asked while paused: its wake-up was taken by the pause
                continue;
            }
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
                    Interop.EventfdClear(_wakeFd);
                    DrainAsked();
                    continue;
                }
                if (_readers.TryGetValue(fd, out var r)) ReadOnce(fd, r.Sink, r.IsStderr, buf);
            }
        }
    }

    private readonly PauseGate _gate;

    /// <summary>
    /// Stops reading every pipe: what services write from now on stays in their pipes for the next
    /// program image of the daemon (daemon-reexec), which takes them over as after a crash. When this
    /// returns, every read so far has been handed to its sink.
    /// </summary>
    public void Pause() => _gate.Pause(TimeSpan.FromSeconds(5));

    public void Resume() => _gate.Resume();

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
        Interop.EventfdSignal(_wakeFd);
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
        Interop.EventfdSignal(_wakeFd);
    }
}

public interface IOutputSink
{
    void Write(ReadOnlySpan<byte> data, bool isStderr);
}

/// <summary>A service's two output pipes. Dispose closes them all.</summary>
public sealed class OutputPipes(OutputCollector owner, int outRead, int outWrite, int errRead, int errWrite, string outId, string errId) : IDisposable
{
    /// <summary>The ends the service's processes get as fds 1 and 2 (open for reading and writing, see <see cref="OutputCollector.Open"/>).</summary>
    public int StdoutWrite { get; } = outWrite;
    public int StderrWrite { get; } = errWrite;
    /// <summary>The daemon's read ends.</summary>
    public int StdoutRead { get; } = outRead;
    public int StderrRead { get; } = errRead;
    /// <summary>Each pipe's identity as /proc shows it ("pipe:[INODE]"): how the next daemon finds it in the service's processes.</summary>
    public string StdoutId { get; } = outId;
    public string StderrId { get; } = errId;
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
