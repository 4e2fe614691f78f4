namespace Corral.Linux.Tracing;

/// <summary>
/// A tracefs instance of Corral's own with the <c>signal:signal_generate</c> event, read line by line
/// from its trace_pipe on one thread. tracefs is mounted on a directory of the daemon's (its state
/// dir), so nothing shared is touched; on dispose the instance is removed and the mount undone.
/// Signals that are ignored by default and never fatal (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) are
/// filtered in the kernel; the rest are filtered to the services' pids by the caller.
/// The kernel's wake-up of a trace_pipe reader can come late (it is deferred work; on this VM it
/// was seen to wait for the next tick of an idle CPU), while the line is already in the buffer: so
/// the pipe is read through a <see cref="PolledReader"/>.
/// </summary>
public sealed class SignalTracer : IDisposable
{
    private readonly string _mount;
    private readonly string _instance;
    private readonly bool _mountedByUs;
    private readonly Action<SignalGenerated> _onSignal;
    private readonly Action<int, string>? _onExec;
    private readonly System.Text.StringBuilder _partial = new();
    private readonly PolledReader _reader;

    private SignalTracer(string mount, bool mountedByUs, string instance, int pipe, Action<SignalGenerated> onSignal, Action<int, string>? onExec, bool paused = false)
    {
        _onExec = onExec;
        _mount = mount;
        _mountedByUs = mountedByUs;
        _instance = instance;
        _onSignal = onSignal;
        _reader = new PolledReader(pipe, "signal-trace", OnData, paused);
    }

    public string Instance => _instance;

    /// <summary>Whether this daemon mounted tracefs on its state directory (and unmounts it at the end).</summary>
    public bool MountedByUs => _mountedByUs;

    /// <summary>The trace_pipe read (to hand over to the next program image, with the instance).</summary>
    public int PipeFd => _reader.Fd;

    /// <summary>Reads what the trace holds now, then nothing more: the lines that follow wait in the instance's buffer.</summary>
    public void Pause() => _reader.Pause();

    public void Resume() => _reader.Resume();

    /// <summary>
    /// The instance the previous program image of this process set up (daemon-reexec), its events
    /// still enabled, with the lines traced since in its buffer; read from its open trace_pipe once
    /// <see cref="Resume"/> says whoever takes the lines is there.
    /// </summary>
    public static SignalTracer Continue(string mountPoint, bool mountedByUs, string instance, int pipe, Action<SignalGenerated> onSignal, Action<int, string>? onExec = null) =>
        new(mountPoint, mountedByUs, instance, pipe, onSignal, onExec, paused: true);

    /// <summary>Sets tracing up; on failure returns null and the reason, for the records to quote.</summary>
    /// <param name="onExec">
    /// every exec on the machine (sched:sched_process_exec), in the same ordered stream as the signals:
    /// it names a short-lived sender such as kill when the trace's own name cache has lost it ("&lt;...&gt;").
    /// </param>
    public static SignalTracer? TryStart(string mountPoint, Action<SignalGenerated> onSignal, out string? unavailable, Action<int, string>? onExec = null)
    {
        unavailable = null;
        bool mounted = false;
        string? instance = null;
        try
        {
            Directory.CreateDirectory(mountPoint);
            if (!Directory.Exists(Path.Combine(mountPoint, "instances")))
            {
                if (Interop.Mount("nodev", mountPoint, "tracefs", 0, IntPtr.Zero) < 0)
                {
                    unavailable = $"tracefs could not be mounted on {mountPoint}: {Interop.StrError(Interop.LastErrno)}";
                    return null;
                }
                mounted = true;
            }
            RemoveStaleInstances(Path.Combine(mountPoint, "instances"));
            instance = Path.Combine(mountPoint, "instances", $"corral-{Environment.ProcessId}-{Random.Shared.Next(1_000_000)}");
            Directory.CreateDirectory(instance);
            File.WriteAllText(Path.Combine(instance, "trace_clock"), "mono");
            string ev = Path.Combine(instance, "events", "signal", "signal_generate");
            File.WriteAllText(Path.Combine(ev, "filter"), "sig != 17 && sig != 18 && sig != 23 && sig != 28");
            File.WriteAllText(Path.Combine(ev, "enable"), "1");
            if (onExec is not null) File.WriteAllText(Path.Combine(instance, "events", "sched", "sched_process_exec", "enable"), "1");
            // Plain read(2): .NET's FileStream may read at an offset (pread), which a trace pipe does not serve.
            int pipe = Interop.Open(Path.Combine(instance, "trace_pipe"), Interop.O_RDONLY | Interop.O_CLOEXEC | Interop.O_NONBLOCK);
            if (pipe < 0) throw new IOException($"open trace_pipe: {Interop.StrError(Interop.LastErrno)}");
            return new SignalTracer(mountPoint, mounted, instance, pipe, onSignal, onExec);
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            unavailable = $"the trace instance could not be set up: {e.Message}";
            if (instance is not null) try { Directory.Delete(instance); } catch (IOException) { }
            if (mounted) Interop.Umount2(mountPoint, 0);
            return null;
        }
    }

    /// <summary>
    /// A daemon killed with SIGKILL cannot remove its instance: remove those named corral-PID-* whose
    /// PID is no longer running. A live daemon's instance is never touched.
    /// </summary>
    public static void RemoveStaleInstances(string instancesDir)
    {
        foreach (var dir in Directory.EnumerateDirectories(instancesDir, "corral-*"))
        {
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length != 3 || !int.TryParse(parts[1], out int pid) || Directory.Exists($"/proc/{pid}")) continue;
            try
            {
                File.WriteAllText(Path.Combine(dir, "events", "signal", "signal_generate", "enable"), "0");
                Directory.Delete(dir);
            }
            catch (IOException) { }
        }
    }

    /// <summary>Reads what the trace buffer holds now (see <see cref="PolledReader"/>).</summary>
    public void Drain() => _reader.Drain();

    /// <summary>Complete lines go to the handler; a partial last line waits for the next read.</summary>
    private void OnData(ReadOnlySpan<byte> data)
    {
        _partial.Append(System.Text.Encoding.UTF8.GetString(data));
        string text = _partial.ToString();
        int last = text.LastIndexOf('\n');
        if (last < 0) return;
        _partial.Clear().Append(text, last + 1, text.Length - last - 1);
        foreach (var line in text[..last].Split('\n'))
        {
            if (SignalGenerated.TryParse(line, out var ev)) _onSignal(ev!);
            else if (_onExec is not null && SignalGenerated.TryParseExec(line, out int pid, out string file)) _onExec(pid, file);
        }
    }

    public void Dispose()
    {
        try
        {
            File.WriteAllText(Path.Combine(_instance, "events", "signal", "signal_generate", "enable"), "0");
            if (_onExec is not null) File.WriteAllText(Path.Combine(_instance, "events", "sched", "sched_process_exec", "enable"), "0");
        }
        catch (IOException) { }
        _reader.Dispose();
        for (int i = 0; i < 50; i++)
        {
            try { Directory.Delete(_instance); break; }
            catch (IOException) { Thread.Sleep(20); } // EBUSY while the pipe is still being closed
        }
        if (_mountedByUs) Interop.Umount2(_mount, 0);
    }
}
