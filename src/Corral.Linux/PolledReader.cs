namespace Corral.Linux;

/// <summary>
/// Reads a kernel pipe-like file (trace_pipe, /dev/kmsg) on one thread: non-blocking reads behind
/// poll(2), plus an eventfd so that <see cref="Drain"/> makes it read at once. The kernel's wake-up
/// of a blocked reader of these files is deferred work and was seen to lag on this VM while the
/// data was already there; a caller that waits for a line calls Drain.
/// </summary>
public sealed unsafe class PolledReader : IDisposable
{
    private readonly int _fd;
    private readonly int _kick;
    private readonly Action<ReadOnlySpan<byte>> _onData;
    private readonly Thread _thread;
    private volatile bool _disposed;

    /// <param name="fd">opened O_NONBLOCK; closed by this reader</param>
    /// <param name="onData">each read's bytes, on the reader thread</param>
    /// <param name="paused">read nothing until <see cref="Resume"/> (whoever takes the data is not there yet)</param>
    public PolledReader(int fd, string name, Action<ReadOnlySpan<byte>> onData, bool paused = false)
    {
        _fd = fd;
        _onData = onData;
        _kick = Interop.Eventfd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        if (_kick < 0) throw new ErrnoException("eventfd", Interop.LastErrno);
        _gate = new PauseGate(_kick, paused);
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The descriptor read (to hand over to the next program image, see <see cref="Handover"/>).</summary>
    public int Fd => _fd;

    private readonly PauseGate _gate;

    /// <summary>Reads what is there now, then nothing more until <see cref="Resume"/>: what comes meanwhile stays in the file.</summary>
    public void Pause() => _gate.Pause(TimeSpan.FromSeconds(2));

    public void Resume() => _gate.Resume();

    public void Drain() => Interop.EventfdSignal(_kick);

    private void Loop()
    {
        byte* buf = stackalloc byte[65536];
        var fds = stackalloc Interop.PollFd[2];
        while (!_disposed)
        {
            if (_gate.Paused) _gate.WaitWhilePaused(() => _disposed);
            fds[0] = new Interop.PollFd { Fd = _fd, Events = Interop.POLLIN };
            fds[1] = new Interop.PollFd { Fd = _kick, Events = Interop.POLLIN };
            if (Interop.Poll(fds, 2, -1) < 0 && Interop.LastErrno != Interop.EINTR) break;
            Interop.EventfdClear(_kick);
            if (_disposed) break;
            bool read = false;
            while (true)
            {
                nint n = Interop.Read(_fd, buf, 65536);
                if (n > 0)
                {
                    read = true;
                    try { _onData(new ReadOnlySpan<byte>(buf, (int)n)); }
                    catch (Exception e) { Console.Error.WriteLine($"corral: {Thread.CurrentThread.Name} handler failed: {e}"); }
                    continue;
                }
                // EPIPE on /dev/kmsg: records were overwritten before we read them; reading goes on.
                if (n < 0 && Interop.LastErrno is Interop.EINTR or Interop.EPIPE) continue;
                break; // EAGAIN: nothing more for now
            }
            // Paused: everything there when Pause was asked has been read; the loop's top waits for Resume.
            if (_gate.Paused) continue;
            // A burst of lines (a cgroup of a thousand killed) would wake this thread for each few:
            // after a pass that found data the next lines gather for a millisecond (as the process
            // connector's events do). A line after a quiet spell is still read at once, and so is
            // one a caller waits for (Drain ends the pause).
            if (read) PauseUnlessKicked(_kick);
        }
        Interop.Close(_fd);
        Interop.Close(_kick);
    }

    /// <summary>Waits a millisecond, or less if <paramref name="kick"/> (an eventfd) is written meanwhile.</summary>
    internal static void PauseUnlessKicked(int kick)
    {
        var fd = new Interop.PollFd { Fd = kick, Events = Interop.POLLIN };
        Interop.Poll(&fd, 1, 1);
    }

    /// <summary>Stops the thread and waits for it, so that the file is closed when this returns.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Drain();
        _thread.Join(TimeSpan.FromSeconds(2));
    }
}
