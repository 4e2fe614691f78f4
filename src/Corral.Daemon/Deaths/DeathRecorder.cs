using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Linux.Cgroups;
using Corral.Linux.Kmsg;
using Corral.Linux.Users;

namespace Corral.Daemon.Deaths;

/// <summary>
/// The only writer of death records, on a thread of its own. Deaths come from the lineage (the
/// connector's thread) and the reaper; the evidence for them from the tracer (signals and their
/// senders), the runners (the signals Corral sends, before it sends them) and the kernel's log (OOM
/// reports). All of it arrives as messages in one queue, so the evidence it owns (SignalEvidence,
/// KillLedger, the OOM counters) needs no lock, and a kill noted before its signal is always
/// read before the death it causes. A death by a signal waits up to <see cref="TraceWait"/> for
/// the trace line naming its sender, which may be read after the exit; the thread never sleeps on
/// one death while others are ready, and writes whatever is ready in one SQLite transaction.
/// </summary>
internal sealed class DeathRecorder : IDisposable
{
    /// <summary>How long a death by a signal waits for the trace line naming its sender (a test may wait longer).</summary>
    public TimeSpan TraceWait { get; init; } = TimeSpan.FromMilliseconds(250);
    private const int PollMs = 5;

    private sealed record Death(int Pid, TrackedProcess Process, ExitStatus Status, DateTimeOffset At, long Tick);
    private sealed record Signal(int TargetPid, Evidence Evidence);
    private sealed record Exec(int Pid, string Filename, long Tick);
    private sealed record Kill(string Unit, CorralKill What);
    private sealed record KillWindowEnd(string Unit, DateTimeOffset At);
    private sealed record OomBaseline(string Unit, ulong Kills);
    /// <summary>The service's OOM counter and memory figures, read the moment a SIGKILL death is taken in (the cgroup may go soon after).</summary>
    private sealed record MemoryAtDeath(ulong? OomKills, ulong? Limit, ulong? Peak);
    private sealed record Waiting(Death Death, MemoryAtDeath? Memory, bool OomRose);

    private readonly EventStore _store;
    private readonly IdentityMap _ids;
    private readonly string? _noTracingReason;
    private readonly ICgroupManager _cgroups;
    private readonly OomKillWatcher? _oom;
    private readonly Func<int, string?> _unitOf;
    private readonly ThreadInbox<object> _inbox = new();
    private readonly Thread _thread;
    // Owned by the thread:
    private readonly SignalEvidence _evidence = new();
    private readonly KillLedger _kills = new();
    // The OOM counter of each service as last accounted for: a death is an OOM kill when it rose.
    private readonly Dictionary<string, ulong> _oomSeen = new(StringComparer.Ordinal);
    private readonly List<Waiting> _waiting = [];
    private UserDatabase? _users;
    private long _usersLoaded;

    /// <param name="noTracingReason">null when signal tracing runs; otherwise why not, for the records</param>
    /// <param name="unitOf">the unit a sender's pid belongs to, asked of the lineage</param>
    public DeathRecorder(EventStore store, IdentityMap ids, string? noTracingReason, ICgroupManager cgroups, OomKillWatcher? oom, Func<int, string?> unitOf)
    {
        _store = store;
        _ids = ids;
        _noTracingReason = noTracingReason;
        _cgroups = cgroups;
        _oom = oom;
        _unitOf = unitOf;
        _thread = new Thread(Loop) { IsBackground = true, Name = "death-recorder" };
        _thread.Start();
    }

    /// <summary>Set by the daemon: makes the tracer read its buffer now (see SignalTracer.Drain).</summary>
    public Action? DrainTrace { get; set; }

    public void Died(int pid, TrackedProcess process, ExitStatus status) =>
        Post(new Death(pid, process, status, DateTimeOffset.Now, Environment.TickCount64));

    public void Signalled(int targetPid, Evidence evidence) => Post(new Signal(targetPid, evidence));

    public void Execd(int pid, string filename) => Post(new Exec(pid, filename, Environment.TickCount64));

    /// <summary>Posted before Corral sends a signal, so the death it causes is attributed to it.</summary>
    public void CorralKilled(string unit, CorralKill kill) => Post(new Kill(unit, kill));

    /// <summary>The run that sent the signals is over; deaths more than a few seconds later are not Corral's.</summary>
    public void EndKillWindow(string unit, DateTimeOffset at) => Post(new KillWindowEnd(unit, at));

    /// <summary>The unit's OOM counter when its first process was spawned (the first one told counts).</summary>
    public void OomCounterAtStart(string unit, ulong kills) => Post(new OomBaseline(unit, kills));

    // What each unit's memory cgroup held when its run ended, noted by the runner just before it
    // removes the cgroup (a handoff, written there and read here: a dictionary safe for both).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, MemoryAtDeath> _atRelease = new(StringComparer.Ordinal);

    /// <summary>
    /// A run's end is about to remove the unit's cgroup: what it held, for a death this thread takes
    /// in only afterwards (an OOM kill's limit and peak would otherwise read as unknown).
    /// </summary>
    public void MemoryAtRelease(string unit, ulong? oomKills, ulong? limit, ulong? peak) => _atRelease[unit] = new MemoryAtDeath(oomKills, limit, peak);

    /// <summary>A record written as it is (a process that ended while no daemon watched).</summary>
    public void Write(DeathRecord record) => Post(record);

    private void Post(object message)
    {
        _inbox.TryAdd(message); // false once shut down: nothing is recorded any more
    }

    private void Loop()
    {
        var ready = new List<DeathRecord>();
        var memory = new Dictionary<string, MemoryAtDeath>(StringComparer.Ordinal);
        long lastDrain = 0;
        while (true)
        {
            object? message;
            bool open = _waiting.Count == 0 ? TakeBlocking(out message) : _inbox.TryTake(out message, PollMs) || !_inbox.IsCompleted;
            if (!open && _waiting.Count == 0) return;
            memory.Clear(); // read once per unit for the deaths taken in together
            for (; message is not null; message = _inbox.TryTake(out var next) ? next : null)
            {
                try { TakeIn(message, ready, memory); }
                catch (Exception e) { Console.Error.WriteLine($"corral: death recorder: {message}: {e}"); }
            }
            long now = Environment.TickCount64;
            bool needTrace = false, needOom = false;
            for (int i = 0; i < _waiting.Count; i++)
            {
                var w = _waiting[i];
                var (trace, oom) = Missing(w);
                if ((trace || oom) && now < w.Death.Tick + (long)TraceWait.TotalMilliseconds && !_inbox.IsCompleted)
                {
                    (needTrace, needOom) = (needTrace || trace, needOom || oom);
                    continue;
                }
                _waiting.RemoveAt(i--);
                try { ready.Add(Record(w)); }
                catch (Exception e) { Console.Error.WriteLine($"corral: cannot record the death of pid {w.Death.Pid} ({w.Death.Process.Unit}): {e}"); }
            }
            // Only for a death that still waits for its line, at most every 20 ms: a reader's wake-up
            // can lag (see PolledReader), and a needless drain wakes its thread for nothing.
            if ((needTrace || needOom) && now - lastDrain >= 4 * PollMs)
            {
                lastDrain = now;
                if (needTrace) DrainTrace?.Invoke();
                if (needOom) _oom?.Drain();
            }
            if (ready.Count > 0)
            {
                WriteAll(ready);
                ready.Clear();
            }
            if (_waiting.Count == 0 && _barriers.Count > 0)
            {
                foreach (var b in _barriers) b.Set();
                _barriers.Clear();
            }
        }
    }

    private sealed record Barrier(ManualResetEventSlim Passed)
    {
        public void Set() => Passed.Set();
    }

    private readonly List<Barrier> _barriers = [];

    /// <summary>True once every death taken in before the call has been written (or false after <paramref name="limit"/>).</summary>
    public bool WaitIdle(TimeSpan limit)
    {
        var passed = new ManualResetEventSlim();
        Post(new Barrier(passed));
        return passed.Wait(limit);
    }

    private bool TakeBlocking(out object? message)
    {
        return _inbox.TryTake(out message, Timeout.Infinite);
    }

    private void TakeIn(object message, List<DeathRecord> ready, Dictionary<string, MemoryAtDeath> memory)
    {
        switch (message)
        {
            case Death d:
                MemoryAtDeath? m = null;
                if (d.Status == ExitStatus.Killed(Core.Signals.SignalNames.SigKill) && !memory.TryGetValue(d.Process.Unit, out m))
                {
                    var cg = _cgroups.For(d.Process.Unit);
                    m = new MemoryAtDeath(_cgroups.OomKills(cg), _cgroups.MemoryLimit(cg), _cgroups.MemoryPeak(cg));
                    // The cgroup already removed by the run's end: what it held then.
                    if (m is { Limit: null, Peak: null } && _atRelease.TryGetValue(d.Process.Unit, out var atRelease)) m = atRelease;
                    memory[d.Process.Unit] = m;
                }
                _waiting.Add(new Waiting(d, m, m is not null && OomRose(d.Process.Unit, m)));
                break;
            case Signal s: _evidence.Add(s.TargetPid, s.Evidence); break;
            case Exec e: _evidence.OnExec(e.Pid, e.Filename, e.Tick); break;
            case Kill k: _kills.Note(k.Unit, k.What); break;
            case KillWindowEnd w: _kills.EndWindow(w.Unit, w.At); break;
            case OomBaseline b: _oomSeen.TryAdd(b.Unit, b.Kills); break;
            case DeathRecord r: ready.Add(r); break;
            case Barrier b: _barriers.Add(b); break;
        }
    }

    /// <summary>
    /// An OOM kill is told by the rise of the service's counter since it was last accounted for
    /// (never by its total, so a later clean death is not taken for one); each victim accounts for one.
    /// </summary>
    private bool OomRose(string unit, MemoryAtDeath m)
    {
        if (m.OomKills is not { } now || !_oomSeen.TryGetValue(unit, out ulong seen) || now <= seen) return false;
        _oomSeen[unit] = seen + 1;
        return true;
    }

    /// <summary>What it may still wait for: the trace line of its signal, the kernel's report of its OOM kill.</summary>
    private (bool TraceLine, bool OomReport) Missing(Waiting w)
    {
        var d = w.Death;
        bool trace = d.Status.IsSignal && _noTracingReason is null && _evidence.For(d.Pid, d.Status) is null;
        bool oom = w.OomRose && _oom is not null && _oom.ReportFor(d.Pid) is null;
        // A SIGSYS may be a filter's kill: the kernel's audit line says which call (kauditd prints it a moment after).
        bool seccomp = d.Status.IsSignal && d.Status.Value == Core.Signals.SignalNames.SigSys && _oom is not null && _oom.SeccompFor(d.Pid) is null;
        return (trace, oom || seccomp);
    }

    private DeathRecord Record(Waiting w)
    {
        var (pid, t, status, at, _) = w.Death;
        var evidence = _evidence.For(pid, status);
        _evidence.Forget(pid);
        var sender = evidence is { FromKernel: false } ? SenderOf(evidence) : null;
        var (kill, sent) = _kills.For(t.Unit, status, t.StartedAt, at);
        var oom = OomFor(w);
        var (cause, reason) = DeathAttribution.Decide(status, kill, sender, _noTracingReason, Environment.ProcessId,
            evidence?.FromKernel ?? false, oom is not null);
        if (status.IsSignal && status.Value == Core.Signals.SignalNames.SigSys && _oom?.SeccompFor(pid) is { } filtered)
            (cause, reason) = (DeathCause.Seccomp, $"its system-call filter refused {filtered.CallName}");
        if (cause == DeathCause.Corral) kill ??= sent.LastOrDefault(k => k.Signal == status.Value);
        return new DeathRecord
        {
            Unit = t.Unit, Pid = pid, Role = t.Role, Comm = t.Comm, Cmdline = t.Cmdline, StartedAt = t.StartedAt,
            EndedAt = at, Status = status, Cause = cause, Reason = reason, CorralKill = cause == DeathCause.Corral ? kill : null, CorralKills = sent,
            Sender = cause == DeathCause.Signal ? sender : null,
            Oom = cause == DeathCause.OomKill ? oom : null,
        };
    }

    /// <summary>The kernel's "Killed process" report gives the victim's figures; the counter's rise alone says it was one.</summary>
    private OomEvidence? OomFor(Waiting w)
    {
        if (w.Memory is not { } m) return null;
        OomKillReport? report = _oom?.ReportFor(w.Death.Pid);
        if (!w.OomRose && report is null) return null;
        string scope = report?.Constraint == "CONSTRAINT_NONE" ? "the whole machine ran out of memory" : $"memory cgroup of {w.Death.Process.Unit}";
        return new OomEvidence(scope, report?.TotalVmKb, report?.AnonRssKb, report?.FileRssKb, report?.ShmemRssKb, report?.OomScoreAdj, m.Limit, m.Peak);
    }

    /// <summary>
    /// Who sent it, resolved when the record is written: by then the process connector has caught up
    /// with the sender's fork and exec, which came before the signal, so a pid reused since is not
    /// mistaken for it. The trace's own name wins unless its cache missed ("&lt;...&gt;").
    /// </summary>
    private SignalSender SenderOf(Evidence e)
    {
        string comm = e.SenderComm != "<...>" ? e.SenderComm : _ids.CommOf(e.SenderPid) ?? "?";
        int? uid = _ids.UidOf(e.SenderPid);
        // The daemon's own signals need no unit: they are Corral's.
        string? unit = e.SenderPid == Environment.ProcessId ? null : _unitOf(e.SenderPid);
        return new SignalSender(e.SenderPid, comm, uid, uid is { } u ? UserName(u) : null, unit);
    }

    private string? UserName(int uid)
    {
        long now = Environment.TickCount64;
        if (_users is null || now - _usersLoaded > 30_000)
        {
            try { _users = UserDatabase.Load(); } catch (IOException) { }
            _usersLoaded = now;
        }
        return _users?.UserName(uid);
    }

    private void WriteAll(List<DeathRecord> records)
    {
        try
        {
            _store.AddDeaths(records);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"corral: cannot record {records.Count} death{(records.Count == 1 ? "" : "s")} ({string.Join(", ", records.Select(r => $"pid {r.Pid} of {r.Unit}").Take(5))}): {e.Message}");
        }
    }

    /// <summary>Writes what is pending (without waiting for more evidence), then stops the thread.</summary>
    public void Dispose()
    {
        _inbox.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
