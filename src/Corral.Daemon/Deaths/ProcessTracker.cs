using System.Collections.Concurrent;
using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Linux.Cgroups;
using Corral.Linux.Kmsg;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;
using Corral.Linux.Tracing;
using Corral.Linux.Users;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Knows every process of every service — main and control processes from the spawner, every
/// other one by following fork events from them — and writes a death record when one ends.
/// Exits of main and control processes come from the reaper (the daemon is their parent); all
/// others from the process connector, which also sees grandchildren reaped by their own parents.
/// A death by a signal waits up to <see cref="TraceWait"/> on a worker thread for the trace line
/// that names its sender, which may be read after the exit.
/// </summary>
public sealed partial class ProcessTracker : IDisposable
{
    /// <summary>A process of a service. StartTicks (see StartTicks) names it with its pid: every check against /proc compares it, so a pid reused by an unrelated process is never taken for it; 0 when unknown.</summary>
    private sealed record Tracked(string Unit, string Role, string Comm, string? Cmdline, DateTimeOffset? StartedAt, ulong StartTicks = 0);
    /// <summary>A traced signal: the sender's process (tgid) and the name the trace gave it; uid and user are looked up when the record is written.</summary>
    private sealed record Evidence(int Signal, int SenderPid, string TraceComm, bool FromKernel, long Tick);
    private sealed record PendingDeath(int Pid, Tracked Process, ExitStatus Status, DateTimeOffset At, long Tick, MemoryAtDeath? Memory);
    /// <summary>The service's OOM counter and memory figures, read the moment a SIGKILL death is seen (the cgroup may go soon after).</summary>
    private sealed record MemoryAtDeath(ulong? OomKills, ulong? Limit, ulong? Peak);

    private static readonly TimeSpan TraceWait = TimeSpan.FromMilliseconds(250);
    private readonly EventStore _store;
    private readonly IdentityMap _ids;
    private readonly string? _noTracingReason;
    private readonly ICgroupManager _cgroups;
    private readonly OomKillWatcher? _oom;
    // Processes of a service that exited while their parent, another process of the service, lives:
    // zombies until that parent reaps them. Zombies are not in cgroup.procs, so this is how they are seen.
    private readonly ConcurrentDictionary<int, (string Unit, int Parent, DateTimeOffset ExitedAt, ulong StartTicks)> _unreaped = new();
    // The OOM counter of each service as last accounted for: a death is an OOM kill when it rose.
    private readonly Dictionary<string, ulong> _oomSeen = new(StringComparer.Ordinal);
    // Signals seen by tracing, by target pid. Kept for any target for a few seconds, because the line
    // can be read before the target is registered (a service that signals itself at once) as well as
    // after it died; a record takes its evidence, the rest ages out.
    private readonly ConcurrentDictionary<int, List<Evidence>> _signals = new();
    private long _lastSignalPrune = Environment.TickCount64;
    private long _lastZombiePrune = Environment.TickCount64;
    // The file each pid last exec'd, from the trace (same stream as the signals, so in order).
    private readonly ConcurrentDictionary<int, (string Name, long Tick)> _execNames = new();
    private readonly System.Collections.Concurrent.BlockingCollection<PendingDeath> _pending = new();
    private readonly Thread _recorder;
    private UserDatabase? _users;
    private long _usersLoaded;

    /// <param name="noTracingReason">null when signal tracing runs; otherwise why not, for the records</param>
    public ProcessTracker(EventStore store, IdentityMap ids, string? noTracingReason, ICgroupManager cgroups, OomKillWatcher? oom)
    {
        _store = store;
        _ids = ids;
        _noTracingReason = noTracingReason;
        _cgroups = cgroups;
        _oom = oom;
        _recorder = new Thread(RecordLoop) { IsBackground = true, Name = "death-recorder" };
        _recorder.Start();
    }

    private const int MaxUnclaimedForks = 4096;
    private const string ExecutorComm = "corral-exec";
    private readonly ConcurrentDictionary<int, Tracked> _procs = new();
    private readonly object _gate = new();
    // Forks whose parent was not known yet: a service may fork before its spawner has registered it.
    private readonly Dictionary<int, (int Parent, long At, ulong StartTicks)> _unclaimedForks = new();
    private readonly Dictionary<string, (List<CorralKill> Kills, DateTimeOffset? WindowEnd)> _kills = new(StringComparer.Ordinal);

    public EventStore Store => _store;

    private long _procEvents;

    /// <summary>Process events (fork, exec, exit of a process) read from the connector so far.</summary>
    public long ProcEvents => Interlocked.Read(ref _procEvents);

    /// <summary>Set by the daemon: makes the tracer read its buffer now (see SignalTracer.Drain).</summary>
    public Action? DrainTrace { get; set; }

    /// <summary>A signal_generate trace line: evidence for the target's death, should it die of it.</summary>
    public void OnSignal(SignalGenerated s)
    {
        PruneSignals();
        // The line names the sending thread; the record names its process, read now while it may still run.
        int senderPid = s.FromKernel ? 0 : ProcReader.TryReadTgid(s.SenderPid) ?? s.SenderPid;
        var list = _signals.GetOrAdd(s.TargetPid, _ => []);
        lock (list)
        {
            list.Add(new Evidence(s.Signal, senderPid, s.SenderComm, s.FromKernel, Environment.TickCount64));
            if (list.Count > 16) list.RemoveAt(0);
        }
    }

    /// <summary>A sched_process_exec line: remembered to name a sender the trace's name cache has lost.</summary>
    public void OnExec(int pid, string filename)
    {
        string name = Path.GetFileName(filename);
        _execNames[pid] = (name.Length > 15 ? name[..15] : name, Environment.TickCount64);
        PruneSignals(); // every exec of the machine passes here: keep the map to the last seconds
    }

    private void PruneSignals()
    {
        long now = Environment.TickCount64;
        if (now - _lastSignalPrune < 1000) return;
        _lastSignalPrune = now;
        foreach (var (pid, list) in _signals)
        {
            bool stale;
            lock (list) stale = list.Count == 0 || now - list[^1].Tick > 5000;
            if (stale && !_procs.ContainsKey(pid)) _signals.TryRemove(pid, out _);
        }
        foreach (var (pid, e) in _execNames)
            if (now - e.Tick > 10_000) _execNames.TryRemove(pid, out _);
    }

    /// <summary>
    /// Who sent it, resolved when the record is written: by then the process connector has caught up
    /// with the sender's fork and exec, which came before the signal, so a pid reused since is not
    /// mistaken for it. The trace's own name wins unless its cache missed ("&lt;...&gt;").
    /// </summary>
    private SignalSender SenderOf(Evidence e)
    {
        string comm = e.TraceComm != "<...>" ? e.TraceComm
            : _execNames.TryGetValue(e.SenderPid, out var exec) ? exec.Name : _ids.CommOf(e.SenderPid) ?? "?";
        int? uid = _ids.UidOf(e.SenderPid);
        return new SignalSender(e.SenderPid, comm, uid, uid is { } u ? UserName(u) : null,
            _procs.TryGetValue(e.SenderPid, out var p) ? p.Unit : null);
    }

    private string? UserName(int uid)
    {
        long now = Environment.TickCount64;
        if (_users is null || now - Interlocked.Read(ref _usersLoaded) > 30_000)
        {
            try { _users = UserDatabase.Load(); } catch (IOException) { }
            Interlocked.Exchange(ref _usersLoaded, now);
        }
        return _users?.UserName(uid);
    }

    /// <summary>
    /// A main or control process just spawned, named by what the executor is about to exec (it may
    /// exit before its exec event is read, and /proc would still say corral-exec).
    /// </summary>
    public void Track(int pid, string unit, string role, string executable, IReadOnlyList<string> argv)
    {
        string comm = Path.GetFileName(executable);
        // The spawner calls this before the executor can exec or be reaped: its stat is there to read.
        ulong start = ProcReader.TryReadStat(pid, out var st) ? st!.StartTimeTicks : 0;
        var t = new Tracked(unit, role, comm.Length > 15 ? comm[..15] : comm, string.Join(' ', argv), DateTimeOffset.Now, start);
        lock (_gate)
        {
            if (!_oomSeen.ContainsKey(unit)) _oomSeen[unit] = _cgroups.OomKills(_cgroups.For(unit)) ?? 0;
            _procs[pid] = t;
            AdoptForksOf(pid, t, start);
        }
    }

    /// <summary>A process that was already running (a forking service's daemon) becomes the main process.</summary>
    public void TrackRunning(int pid, string unit, string role)
    {
        var t = Describe(pid, unit, role, inherit: _procs.GetValueOrDefault(pid));
        lock (_gate)
        {
            _procs[pid] = t with { Role = role };
            AdoptForksOf(pid, t, t.StartTicks);
        }
    }

    /// <summary>Every process event of the machine arrives here, on the connector's thread: keep it cheap.</summary>
    public void OnProcEvent(ProcEvent e)
    {
        Interlocked.Increment(ref _procEvents);
        switch (e.Kind)
        {
            case ProcEventKind.Fork:
                // Look and stash under the lock Track takes to register and adopt: a parent registered
                // between the look and the stash would otherwise never adopt this child (a fork read
                // while its service's main process was being registered was lost, and with it the
                // child's lineage, zombies and death record).
                lock (_gate)
                {
                    ulong start = StartTicks.FromEvent(e.TimestampNs);
                    if (_procs.TryGetValue(e.ParentPid, out var parent))
                    {
                        var child = parent with { Role = ProcessRoles.Process, StartedAt = DateTimeOffset.Now, StartTicks = start };
                        _procs[e.Pid] = child;
                        AdoptForksOf(e.Pid, child, start);
                    }
                    else
                    {
                        // A new process with this pid: whatever of ours had it before is gone, its exit
                        // event lost. Forgotten now, it can never be taken for the newcomer (the daemon's
                        // own children are registered by the spawner, with their start, before or after).
                        if (e.ParentPid != Environment.ProcessId && _procs.TryGetValue(e.Pid, out var stale) && !StartTicks.Same(stale.StartTicks, start))
                            _procs.TryRemove(e.Pid, out _);
                        _unreaped.TryRemove(e.Pid, out _);
                        StashFork(e.Pid, e.ParentPid, start);
                    }
                }
                break;
            case ProcEventKind.Exec:
                // The executor's own exec (from posix_spawn) may be read after the spawner named the
                // process after the service: it must not rename it back to the executor.
                if (_procs.TryGetValue(e.Pid, out var execd) && Describe(e.Pid, execd.Unit, execd.Role, inherit: execd) is { Comm: not ExecutorComm } renamed)
                    _procs[e.Pid] = renamed;
                break;
            case ProcEventKind.Exit:
                if (!_exitWatches.IsEmpty) DispatchWatchedExit(e.Pid, e.RawStatus);
                lock (_gate) _unclaimedForks.Remove(e.Pid);
                _gone.TryRemove(e.Pid, out _);
                PruneReaped();
                if (_procs.TryGetValue(e.Pid, out var exiting) && e.ParentPid != Environment.ProcessId && _procs.ContainsKey(e.ParentPid))
                    _unreaped[e.Pid] = (exiting.Unit, e.ParentPid, DateTimeOffset.Now, exiting.StartTicks);
                if (_procs.TryGetValue(e.Pid, out var t) && t.Role == ProcessRoles.Process && _procs.TryRemove(e.Pid, out _))
                    Record(e.Pid, t, ExitStatus.FromRaw(e.RawStatus));
                break;
        }
    }

    /// <summary>Writes what is pending, then stops the recorder.</summary>
    public void Dispose()
    {
        _pending.CompleteAdding();
        _recorder.Join(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// The zombies of a service now: exited processes whose parent (a process of the service) has not
    /// reaped them. Each candidate is checked in /proc (still there, state Z, same parent); the others
    /// were reaped and are forgotten.
    /// </summary>
    public List<(int Pid, int Parent, string ParentComm, DateTimeOffset Since)> ZombiesOf(string unit)
    {
        var zombies = new List<(int, int, string, DateTimeOffset)>();
        foreach (var (pid, z) in _unreaped)
        {
            if (z.Unit != unit) continue;
            switch (CheckZombie(pid, z.Parent, z.ExitedAt, z.StartTicks))
            {
                case ZombieState.Zombie:
                    zombies.Add((pid, z.Parent, _procs.TryGetValue(z.Parent, out var p) ? p.Comm : _ids.CommOf(z.Parent) ?? "?", z.ExitedAt));
                    break;
                case ZombieState.Gone:
                    _unreaped.TryRemove(pid, out _);
                    break;
            }
        }
        return zombies;
    }

    /// <summary>
    /// Zombies the exit events did not tell of (an event missed or read late): children in state Z
    /// of the service's live processes, from /proc/PID/task/PID/children. Called only when the
    /// cgroup's task count says there are more zombies than known, so it costs nothing otherwise.
    /// </summary>
    public int FindUnseenZombies(string unit, IEnumerable<int> livePids)
    {
        int found = 0;
        foreach (int parent in livePids)
        {
            string? children = ProcReader.TryReadText($"/proc/{parent}/task/{parent}/children");
            if (string.IsNullOrWhiteSpace(children)) continue;
            foreach (var c in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(c, out int child) && !_unreaped.ContainsKey(child)
                    && ProcReader.TryReadStat(child, out var st) && st!.State == 'Z' && st.Ppid == parent
                    && _unreaped.TryAdd(child, (unit, parent, DateTimeOffset.Now, st.StartTimeTicks)))
                    found++;
        }
        return found;
    }

    /// <summary>
    /// Processes of the service's lineage (followed from fork events) that are alive but no longer in
    /// its cgroup or below it: someone wrote their pid into another cgroup's cgroup.procs.
    /// </summary>
    /// <param name="cgroupPath">the service's cgroup as /proc/PID/cgroup names it ("/corral/web.service")</param>
    /// <param name="inCgroup">the pids the service's cgroup holds now: these are not read from /proc</param>
    public List<(int Pid, string Comm, string Cgroup)> EscapeesOf(string unit, string cgroupPath, IReadOnlySet<int> inCgroup)
    {
        var escaped = new List<(int, string, string)>();
        foreach (var (pid, t) in _procs)
        {
            if (t.Unit != unit || inCgroup.Contains(pid)) continue;
            string? v2 = ProcReader.TryReadUnifiedCgroup(pid);
            if (!IsOutside(v2, cgroupPath)) continue;
            if (!ProcReader.TryReadStat(pid, out var st) || st!.State == 'Z') continue;
            if (!SameStart(st, t))
            {
                // The pid was reused by another process after ours ended unseen: not ours, never reported.
                _procs.TryRemove(new KeyValuePair<int, Tracked>(pid, t));
                continue;
            }
            escaped.Add((pid, st.Comm, v2!));
        }
        return escaped;
    }

    /// <summary>
    /// A pidfd for an escaped process of the unit, to signal it — only if, checked after the pidfd is
    /// open (from then on the pid cannot be passed on), it is still the very process that was tracked
    /// (same start) and still outside the unit's cgroup. Anything else gets null, and no signal.
    /// </summary>
    public Linux.ProcessHandle? OpenEscapee(string unit, int pid, string cgroupPath)
    {
        if (!_procs.TryGetValue(pid, out var t) || t.Unit != unit) return null;
        var handle = Linux.ProcessHandle.TryOpen(pid);
        if (handle is null) return null;
        bool same = ProcReader.TryReadStat(pid, out var st) && st!.State != 'Z' && SameStart(st, t);
        if (same && IsOutside(ProcReader.TryReadUnifiedCgroup(pid), cgroupPath)) return handle;
        handle.Dispose();
        return null;
    }

    /// <summary>A v2 cgroup path (as /proc/PID/cgroup gives it) that is neither the service's cgroup nor below it; false when unknown.</summary>
    private static bool IsOutside(string? v2, string cgroupPath) =>
        v2 is not null && v2 != cgroupPath && !v2.StartsWith(cgroupPath + "/", StringComparison.Ordinal);

    /// <summary>
    /// Most exited children are reaped by their parent at once; forget those every few seconds so that
    /// a busy service does not fill the zombie candidates (a real zombie stays until it is reaped).
    /// </summary>
    private void PruneReaped()
    {
        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastZombiePrune) < 2000) return;
        Interlocked.Exchange(ref _lastZombiePrune, now);
        PruneGone(now);
        foreach (var (pid, z) in _unreaped)
            if (CheckZombie(pid, z.Parent, z.ExitedAt, z.StartTicks) == ZombieState.Gone) _unreaped.TryRemove(pid, out _);
    }

    private enum ZombieState { Zombie, Exiting, Gone }

    /// <summary>
    /// A zombie: still there, state Z, child of the same parent. The kernel sends the exit event before
    /// the task becomes a zombie, so one read just after may still see it running its exit: that one
    /// is kept for a while, not forgotten (forgetting it lost a zombie from the count). Anything else
    /// — gone, another parent, or alive long after its exit (a reused pid) — was reaped.
    /// </summary>
    private static ZombieState CheckZombie(int pid, int parent, DateTimeOffset exitedAt, ulong startTicks)
    {
        if (!ProcReader.TryReadStat(pid, out var st) || st!.Ppid != parent) return ZombieState.Gone;
        if (startTicks != 0 && !StartTicks.Same(st.StartTimeTicks, startTicks)) return ZombieState.Gone; // the pid was reused
        if (st.State == 'Z') return ZombieState.Zombie;
        return DateTimeOffset.Now - exitedAt < TimeSpan.FromSeconds(2) ? ZombieState.Exiting : ZombieState.Gone;
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
        MemoryAtDeath? memory = null;
        if (status == ExitStatus.Killed(Core.Signals.SignalNames.SigKill))
        {
            var cg = _cgroups.For(t.Unit);
            memory = new MemoryAtDeath(_cgroups.OomKills(cg), _cgroups.MemoryLimit(cg), _cgroups.MemoryPeak(cg));
        }
        _pending.Add(new PendingDeath(pid, t, status, DateTimeOffset.Now, Environment.TickCount64, memory));
    }

    /// <summary>
    /// An OOM kill is told by the rise of the service's counter since it was last accounted for
    /// (never by its total, so a later clean death is not taken for one), cross-checked with the
    /// kernel's "Killed process" report, which gives the victim's figures.
    /// </summary>
    private OomEvidence? OomFor(PendingDeath d)
    {
        if (d.Memory is not { } m) return null;
        bool rose = false;
        lock (_gate)
        {
            if (m.OomKills is { } now && _oomSeen.TryGetValue(d.Process.Unit, out ulong seen) && now > seen)
            {
                _oomSeen[d.Process.Unit] = seen + 1; // one kill accounted for; a second victim takes the next
                rose = true;
            }
        }
        OomKillReport? report = _oom?.ReportFor(d.Pid);
        if (rose && report is null && _oom is not null && WaitForEvidence(d, () => _oom.ReportFor(d.Pid) is not null, _oom.Drain))
            report = _oom.ReportFor(d.Pid);
        if (!rose && report is null) return null;
        string scope = report?.Constraint == "CONSTRAINT_NONE" ? "the whole machine ran out of memory" : $"memory cgroup of {d.Process.Unit}";
        return new OomEvidence(scope, report?.TotalVmKb, report?.AnonRssKb, report?.FileRssKb, report?.ShmemRssKb, report?.OomScoreAdj, m.Limit, m.Peak);
    }

    /// <summary>
    /// The last sender of the fatal signal — except that a process which caught a signal and raised it
    /// again to die by it (a common clean-up pattern) is not its own killer: the earlier sender is.
    /// </summary>
    private Evidence? EvidenceFor(int pid, ExitStatus status)
    {
        if (!status.IsSignal || !_signals.TryGetValue(pid, out var list)) return null;
        lock (list)
        {
            var same = list.Where(e => e.Signal == status.Value).ToList();
            if (same.Count == 0) return null;
            var last = same[^1];
            if (!last.FromKernel && last.SenderPid == pid && same.LastOrDefault(e => e.FromKernel || e.SenderPid != pid) is { } original) return original;
            return last;
        }
    }

    private void RecordLoop()
    {
        foreach (var d in _pending.GetConsumingEnumerable())
        {
            // The trace line naming the sender may be read after the exit: give it a moment.
            if (d.Status.IsSignal && _noTracingReason is null)
                WaitForEvidence(d, () => EvidenceFor(d.Pid, d.Status) is not null, DrainTrace);
            Write(d);
        }
    }

    /// <summary>
    /// Waits until <paramref name="found"/> holds or <see cref="TraceWait"/> has passed since the death,
    /// asking the reader to drain its kernel pipe every 20 ms (its wake-up can lag, see PolledReader).
    /// </summary>
    private static bool WaitForEvidence(PendingDeath d, Func<bool> found, Action? drain)
    {
        long deadline = d.Tick + (long)TraceWait.TotalMilliseconds;
        for (int i = 0; !found(); i++)
        {
            if (Environment.TickCount64 >= deadline) return false;
            if (i % 4 == 0) drain?.Invoke();
            Thread.Sleep(5);
        }
        return true;
    }

    private void Write(PendingDeath d)
    {
        var (pid, t, status, at) = (d.Pid, d.Process, d.Status, d.At);
        var evidence = EvidenceFor(pid, status);
        _signals.TryRemove(pid, out _);
        var sender = evidence is { FromKernel: false } ? SenderOf(evidence) : null;
        var (kill, sent) = KillsFor(t.Unit, status, t.StartedAt, at);
        var oom = OomFor(d);
        var (cause, reason) = DeathAttribution.Decide(status, kill, sender, _noTracingReason, Environment.ProcessId,
            evidence?.FromKernel ?? false, oom is not null);
        if (cause == DeathCause.Corral) kill ??= sent.LastOrDefault(k => k.Signal == status.Value);
        try
        {
            _store.Add(new DeathRecord
            {
                Unit = t.Unit, Pid = pid, Role = t.Role, Comm = t.Comm, Cmdline = t.Cmdline, StartedAt = t.StartedAt,
                EndedAt = at, Status = status, Cause = cause, Reason = reason, CorralKill = cause == DeathCause.Corral ? kill : null, CorralKills = sent,
                Sender = cause == DeathCause.Signal ? sender : null,
                Oom = cause == DeathCause.OomKill ? oom : null,
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
        return new Tracked(unit, role, st!.Comm, string.IsNullOrEmpty(cmdline) ? inherit?.Cmdline : cmdline, ProcReader.StartTime(st), st.StartTimeTicks);
    }

    private void StashFork(int child, int parent, ulong startTicks)
    {
        lock (_gate)
        {
            long now = Environment.TickCount64;
            if (_unclaimedForks.Count >= MaxUnclaimedForks)
                foreach (var old in _unclaimedForks.Where(kv => now - kv.Value.At > 2000).Select(kv => kv.Key).ToList())
                    _unclaimedForks.Remove(old);
            if (_unclaimedForks.Count < MaxUnclaimedForks) _unclaimedForks[child] = (parent, now, startTicks);
        }
    }

    /// <summary>Claims the stashed forks of a process just registered: those made by it (forked after it started, not by an earlier holder of its pid).</summary>
    private void AdoptForksOf(int pid, Tracked parent, ulong parentStart)
    {
        List<(int Pid, ulong Start)> children;
        lock (_gate)
        {
            if (_unclaimedForks.Count == 0) return;
            children = _unclaimedForks.Where(kv => kv.Value.Parent == pid && (parentStart == 0 || kv.Value.StartTicks + 1 >= parentStart))
                .Select(kv => (kv.Key, kv.Value.StartTicks)).ToList();
            foreach (var c in children) _unclaimedForks.Remove(c.Pid);
        }
        foreach (var (c, start) in children)
        {
            var child = parent with { Role = ProcessRoles.Process, StartTicks = start };
            _procs[c] = child;
            AdoptForksOf(c, child, start);
        }
    }
}
