using Corral.Core.State;

namespace Corral.Daemon.Deaths;

/// <summary>
/// A traced signal: the sender's process (tgid) and its name — the trace line's, until the evidence
/// is taken in and a newer name from the stream's own exec line replaces it; uid and user are looked
/// up when the record is written.
/// </summary>
internal sealed record Evidence(int Signal, int SenderPid, string SenderComm, bool FromKernel, long Tick);

/// <summary>
/// The signals tracing saw, by target pid, and the file each pid last exec'd (same trace stream, so
/// in order). Kept for any target, because a line can be read before its target is registered (a
/// service that signals itself at once) as well as after it died; a death record takes its
/// evidence, the rest ages out. Owned by the death recorder's thread: the tracer posts there.
/// </summary>
internal sealed class SignalEvidence
{
    // Kept this long, so that a process that caught a signal and raised it again later still names
    // the first sender; shortened when many targets are held (a storm of signals on the machine).
    private const long KeepMs = 60_000, KeepMsWhenMany = 5_000, ExecKeepMs = 10_000;
    private const int Many = 4096, PerTarget = 16;
    private readonly Dictionary<int, List<Evidence>> _signals = new();
    private readonly Dictionary<int, (string Name, long Tick)> _execNames = new();
    private long _lastPrune = Environment.TickCount64;

    public void Add(int targetPid, Evidence e)
    {
        Prune(e.Tick);
        // The name on a trace line is not the sender's name at the time of the line: the kernel prints it
        // from a cache by pid that it refreshes only when the task is next switched out. A `sh -c kill`
        // that exits before that, on a pid an earlier process had, is printed with that earlier
        // process's name. The exec line that began what the pid runs now came earlier in the same
        // stream, so the name it gave is the sender's.
        if (!e.FromKernel && ExecName(e.SenderPid) is { } execd) e = e with { SenderComm = execd };
        if (!_signals.TryGetValue(targetPid, out var list)) _signals[targetPid] = list = [];
        list.Add(e);
        if (list.Count > PerTarget) list.RemoveAt(0);
    }

    public void OnExec(int pid, string filename, long tick)
    {
        string name = Path.GetFileName(filename);
        _execNames[pid] = (name.Length > 15 ? name[..15] : name, tick);
        Prune(tick); // every exec of the machine passes here: keep the map to the last seconds
    }

    /// <summary>The name the trace's exec line gave the pid, if seen lately.</summary>
    public string? ExecName(int pid) => _execNames.TryGetValue(pid, out var e) ? e.Name : null;

    /// <summary>
    /// The last sender of the fatal signal — except that a process which caught a signal and raised it
    /// again to die by it (a common clean-up pattern) is not its own killer: the earlier sender is.
    /// </summary>
    public Evidence? For(int pid, ExitStatus status)
    {
        if (!status.IsSignal || !_signals.TryGetValue(pid, out var list)) return null;
        var same = list.Where(e => e.Signal == status.Value).ToList();
        if (same.Count == 0) return null;
        var last = same[^1];
        if (!last.FromKernel && last.SenderPid == pid && same.LastOrDefault(e => e.FromKernel || e.SenderPid != pid) is { } original) return original;
        return last;
    }

    /// <summary>The pid's evidence is used up: its record is written.</summary>
    public void Forget(int pid) => _signals.Remove(pid);

    private void Prune(long now)
    {
        if (now - _lastPrune < 1000) return;
        _lastPrune = now;
        long keep = _signals.Count > Many ? KeepMsWhenMany : KeepMs;
        foreach (var pid in _signals.Where(kv => now - kv.Value[^1].Tick > keep).Select(kv => kv.Key).ToList())
            _signals.Remove(pid);
        foreach (var pid in _execNames.Where(kv => now - kv.Value.Tick > ExecKeepMs).Select(kv => kv.Key).ToList())
            _execNames.Remove(pid);
    }
}
