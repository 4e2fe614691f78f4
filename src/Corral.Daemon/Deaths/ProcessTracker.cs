using System.Collections.Concurrent;
using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Knows every process of every service — main and control processes from the spawner, every
/// other one by following fork events from them — and writes a death record when one ends.
/// Exits of main and control processes come from the reaper (the daemon is their parent); all
/// others from the process connector, which also sees grandchildren reaped by their own parents.
/// </summary>
public sealed class ProcessTracker(EventStore store, string? noTracingReason)
{
    private sealed record Tracked(string Unit, string Role, string Comm, string? Cmdline, DateTimeOffset? StartedAt);

    private const int MaxUnclaimedForks = 4096;
    private readonly ConcurrentDictionary<int, Tracked> _procs = new();
    private readonly object _gate = new();
    // Forks whose parent was not known yet: a service may fork before its spawner has registered it.
    private readonly Dictionary<int, (int Parent, long At)> _unclaimedForks = new();
    private readonly Dictionary<string, (List<CorralKill> Kills, DateTimeOffset? WindowEnd)> _kills = new(StringComparer.Ordinal);

    public EventStore Store => store;

    /// <summary>
    /// A main or control process just spawned, named by what the executor is about to exec (it may
    /// exit before its exec event is read, and /proc would still say corral-exec).
    /// </summary>
    public void Track(int pid, string unit, string role, string executable, IReadOnlyList<string> argv)
    {
        string comm = Path.GetFileName(executable);
        var t = new Tracked(unit, role, comm.Length > 15 ? comm[..15] : comm, string.Join(' ', argv), DateTimeOffset.Now);
        _procs[pid] = t;
        AdoptForksOf(pid, t);
    }

    /// <summary>A process that was already running (a forking service's daemon) becomes the main process.</summary>
    public void TrackRunning(int pid, string unit, string role)
    {
        var t = Describe(pid, unit, role, inherit: _procs.GetValueOrDefault(pid));
        _procs[pid] = t with { Role = role };
        AdoptForksOf(pid, t);
    }

    /// <summary>Every process event of the machine arrives here, on the connector's thread: keep it cheap.</summary>
    public void OnProcEvent(ProcEvent e)
    {
        switch (e.Kind)
        {
            case ProcEventKind.Fork:
                if (_procs.TryGetValue(e.ParentPid, out var parent))
                {
                    var child = parent with { Role = "process", StartedAt = DateTimeOffset.Now };
                    _procs[e.Pid] = child;
                    AdoptForksOf(e.Pid, child);
                }
                else StashFork(e.Pid, e.ParentPid);
                break;
            case ProcEventKind.Exec:
                if (_procs.TryGetValue(e.Pid, out var execd))
                    _procs[e.Pid] = Describe(e.Pid, execd.Unit, execd.Role, inherit: execd);
                break;
            case ProcEventKind.Exit:
                lock (_gate) _unclaimedForks.Remove(e.Pid);
                if (_procs.TryGetValue(e.Pid, out var t) && t.Role == "process" && _procs.TryRemove(e.Pid, out _))
                    Record(e.Pid, t, ExitStatus.FromRaw(e.RawStatus));
                break;
        }
    }

    /// <summary>The reaper's word on a main or control process.</summary>
    public void OnReaped(int pid, ExitStatus status)
    {
        if (_procs.TryRemove(pid, out var t)) Record(pid, t, status);
    }

    /// <summary>Written before Corral sends a signal, so the death it causes is attributed to it.</summary>
    public void NoteCorralKill(string unit, CorralKill kill)
    {
        lock (_gate)
        {
            if (!_kills.TryGetValue(unit, out var k) || k.WindowEnd is not null) _kills[unit] = k = ([], null);
            k.Kills.Add(kill);
        }
    }

    /// <summary>The run that sent the signals is over; deaths more than a few seconds later are not Corral's.</summary>
    public void EndKillWindow(string unit, DateTimeOffset at)
    {
        lock (_gate)
            if (_kills.TryGetValue(unit, out var k)) _kills[unit] = (k.Kills, at.AddSeconds(5));
    }

    /// <summary>The signals Corral sent the unit while the process lived, and the one among them that killed it.</summary>
    private (CorralKill? Fatal, List<CorralKill> Sent) KillsFor(string unit, ExitStatus status, DateTimeOffset? started, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_kills.TryGetValue(unit, out var k) || (k.WindowEnd is { } end && at > end)) return (null, []);
            var sent = k.Kills.Where(c => started is null || started <= c.At.AddSeconds(1)).ToList();
            return (status.IsSignal ? sent.LastOrDefault(c => c.Signal == status.Value) : null, sent);
        }
    }

    private void Record(int pid, Tracked t, ExitStatus status)
    {
        var at = DateTimeOffset.Now;
        var (kill, sent) = KillsFor(t.Unit, status, t.StartedAt, at);
        var (cause, reason) = DeathAttribution.Decide(status, kill, sender: null, noTracingReason, Environment.ProcessId);
        try
        {
            store.Add(new DeathRecord
            {
                Unit = t.Unit, Pid = pid, Role = t.Role, Comm = t.Comm, Cmdline = t.Cmdline, StartedAt = t.StartedAt,
                EndedAt = at, Status = status, Cause = cause, Reason = reason, CorralKill = cause == DeathCause.Corral ? kill : null, CorralKills = sent,
            });
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"corral: cannot record the death of pid {pid} ({t.Unit}): {e.Message}");
        }
    }

    private static Tracked Describe(int pid, string unit, string role, Tracked? inherit)
    {
        if (!ProcReader.TryReadStat(pid, out var st))
            return inherit ?? new Tracked(unit, role, "?", null, null);
        string? cmdline = ProcReader.TryReadCmdline(pid);
        return new Tracked(unit, role, st!.Comm, string.IsNullOrEmpty(cmdline) ? inherit?.Cmdline : cmdline, ProcReader.StartTime(st));
    }

    private void StashFork(int child, int parent)
    {
        lock (_gate)
        {
            long now = Environment.TickCount64;
            if (_unclaimedForks.Count >= MaxUnclaimedForks)
                foreach (var old in _unclaimedForks.Where(kv => now - kv.Value.At > 2000).Select(kv => kv.Key).ToList())
                    _unclaimedForks.Remove(old);
            if (_unclaimedForks.Count < MaxUnclaimedForks) _unclaimedForks[child] = (parent, now);
        }
    }

    private void AdoptForksOf(int pid, Tracked parent)
    {
        List<int> children;
        lock (_gate)
        {
            if (_unclaimedForks.Count == 0) return;
            children = _unclaimedForks.Where(kv => kv.Value.Parent == pid).Select(kv => kv.Key).ToList();
            foreach (var c in children) _unclaimedForks.Remove(c);
        }
        foreach (var c in children)
        {
            var child = parent with { Role = "process" };
            _procs[c] = child;
            AdoptForksOf(c, child);
        }
    }
}
