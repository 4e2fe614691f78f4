using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Kmsg;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;
using Corral.Linux.Tracing;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Where runners, the reaper, the tracer and the health monitor reach the processes of services.
/// It holds no state of its own; it routes to the parts that do, each with one owner:
/// <list type="bullet">
/// <item><see cref="Lineage"/> — which process belongs to which service — owned by the loop given
/// (the process connector's thread in the daemon): changes are posted there, questions asked there;</item>
/// <item><see cref="DeathRecorder"/> — signal evidence, Corral's own kills, OOM counters, and the
/// writing of death records — on its own thread.</item>
/// </list>
/// Every look at /proc or a cgroup (is this zombie still there, did this process leave its cgroup,
/// is this pid still the same process) is made here, on the caller's thread, with what the lineage
/// answered; what it finds is posted back. So the connector's thread never waits on the kernel's
/// files, and the kernel does not drop its events while it does.
/// </summary>
internal sealed class ProcessTracker : IDisposable
{
    private readonly IEventLoop _loop;
    private readonly Lineage _lineage;
    private readonly DeathRecorder _recorder;
    private readonly ExecDescriber _describer;
    private readonly IdentityMap _ids;
    private readonly ICgroupManager _cgroups;

    /// <param name="loop">the thread that owns the lineage (the process connector's in the daemon)</param>
    /// <param name="noTracingReason">null when signal tracing runs; otherwise why not, for the records</param>
    public ProcessTracker(IEventLoop loop, EventStore store, IdentityMap ids, string? noTracingReason, ICgroupManager cgroups, OomKillWatcher? oom)
    {
        _loop = loop;
        _ids = ids;
        _cgroups = cgroups;
        _recorder = new DeathRecorder(store, ids, noTracingReason, cgroups, oom, pid => Ask(l => l.Get(pid)?.Unit));
        _describer = new ExecDescriber((pid, described) => Run(l => l.Renamed(pid, described)));
        _lineage = new Lineage((pid, t, status) => _recorder.Died(pid, t, status), _describer.Execd);
    }

    /// <summary>Process events read so far.</summary>
    public long ProcEvents => _lineage.ProcEvents;

    /// <summary>Processes whose exit the kernel's dropped events hid: no death record could be written for them.</summary>
    public long ExitsLost => _lineage.ExitsLost;

    /// <summary>Set by the daemon: makes the tracer read its buffer now (see SignalTracer.Drain).</summary>
    public Action? DrainTrace { get => _recorder.DrainTrace; set => _recorder.DrainTrace = value; }

    /// <summary>
    /// Every process event of the machine arrives here, on the loop's thread (the connector's): handed
    /// to the lineage directly, with no closure allocated per event on that hot path.
    /// </summary>
    public void OnProcEvent(ProcEvent e)
    {
        if (_loop.IsCurrent) _lineage.OnProcEvent(e);
        else PostEvent(e);
    }

    private void PostEvent(ProcEvent e) => _loop.Post(() => _lineage.OnProcEvent(e));

    /// <summary>A signal_generate trace line (the tracer's thread): evidence for the target's death, should it die of it.</summary>
    public void OnSignal(SignalGenerated s)
    {
        // The line names the sending thread; the record names its process, read now while it may still run.
        long now = Environment.TickCount64;
        int senderPid = s.FromKernel ? 0 : SenderProcess(s.SenderPid, now);
        _recorder.Signalled(s.TargetPid, new Evidence(s.Signal, senderPid, s.SenderComm, s.FromKernel, now));
    }

    // The tracer thread's last answer: a kill of a whole cgroup is a thousand lines from one sender
    // in a few milliseconds, and a thread id is not reused that fast (the pid space must wrap first).
    private int _lastSenderThread, _lastSenderProcess;
    private long _lastSenderAt;

    private int SenderProcess(int thread, long now)
    {
        if (thread == _lastSenderThread && now - _lastSenderAt < 100) return _lastSenderProcess;
        int? tgid = ProcReader.TryReadTgid(thread);
        if (tgid is null) return thread;
        (_lastSenderThread, _lastSenderProcess, _lastSenderAt) = (thread, tgid.Value, now);
        return tgid.Value;
    }

    /// <summary>A sched_process_exec line: remembered to name a sender the trace's name cache has lost.</summary>
    public void OnExec(int pid, string filename) => _recorder.Execd(pid, filename);

    /// <summary>
    /// A main or control process just spawned (called before it can exec or be reaped, so its stat is
    /// there to read), named by what the executor is about to exec: it may exit before its exec event
    /// is read, and /proc would still say corral-exec.
    /// </summary>
    /// <param name="oomKills">the unit's OOM counter as its run began (the runner reads it then): the first one told is the baseline</param>
    public void Track(int pid, string unit, string role, string executable, IReadOnlyList<string> argv, ulong? oomKills)
    {
        string comm = Path.GetFileName(executable);
        ulong start = ProcReader.TryReadStat(pid, out var st) ? st!.StartTimeTicks : 0;
        _recorder.OomCounterAtStart(unit, oomKills ?? 0);
        var t = new TrackedProcess(unit, role, comm.Length > 15 ? comm[..15] : comm, string.Join(' ', argv), DateTimeOffset.Now, start);
        Run(l => l.Register(pid, t));
    }

    /// <summary>A process that was already running (a forking service's daemon) becomes the main process.</summary>
    public void TrackRunning(int pid, string unit, string role)
    {
        var described = TrackedProcess.TryDescribe(pid, unit, role);
        Run(l => l.RegisterRunning(pid, described, unit, role));
    }

    /// <summary>The reaper's word on a main or control process.</summary>
    public void OnReaped(int pid, ExitStatus status) => Run(l => l.Reaped(pid, status));

    /// <summary>Posted before Corral sends a signal, so the death it causes is attributed to it.</summary>
    public void NoteCorralKill(string unit, CorralKill kill) => _recorder.CorralKilled(unit, kill);

    /// <summary>A unit's cgroup is about to be removed at the end of its run: what its memory cgroup held (see DeathRecorder).</summary>
    public void MemoryAtRelease(string unit, ulong? oomKills, ulong? limit, ulong? peak) => _recorder.MemoryAtRelease(unit, oomKills, limit, peak);

    /// <summary>The run that sent the signals is over; deaths more than a few seconds later are not Corral's.</summary>
    public void EndKillWindow(string unit, DateTimeOffset at) => _recorder.EndKillWindow(unit, at);

    /// <summary>Calls <paramref name="onExit"/> (on the loop's thread) with the status of the process's exit event: a main process taken over from a dead daemon is not our child.</summary>
    public void WatchExit(int pid, Action<ExitStatus> onExit) => Run(l => l.WatchExit(pid, onExit));

    /// <summary>Stops watching; true when the exit had not been reported yet.</summary>
    public bool UnwatchExit(int pid) => Ask(l => l.UnwatchExit(pid));

    /// <summary>A process of a run that ended while no daemon watched: recorded with an unknown status and the time window.</summary>
    public void RecordGone(string unit, int pid, string role, string? comm, DateTimeOffset? lastSeenAlive)
    {
        string window = lastSeenAlive is { } t ? $"between {Core.Text.TimeText.Clock(t)} (the daemon's last heartbeat) and {Core.Text.TimeText.Clock(DateTimeOffset.Now)}" : "before the daemon came back";
        Run(l => l.Forget(pid));
        _recorder.Write(new DeathRecord
        {
            Unit = unit, Pid = pid, Role = role, Comm = comm ?? "?", EndedAt = DateTimeOffset.Now, Status = ExitStatus.Unknown,
            Cause = DeathCause.Unknown,
            Reason = $"it ended while the daemon was down, {window}; its exit status went to whoever reaped it",
        });
    }

    /// <summary>Processes tracked now, per unit (for tests and the rescan's report).</summary>
    public List<int> TrackedPidsOf(string unit) => Ask(l => l.PidsOf(unit));

    /// <summary>
    /// The zombies of a service now: exited processes whose parent (a process of the service) has not
    /// reaped them. Each candidate is checked in /proc (still there, state Z, same parent); the others
    /// were reaped and are forgotten.
    /// </summary>
    public List<(int Pid, int Parent, string ParentComm, DateTimeOffset Since)> ZombiesOf(string unit)
    {
        var zombies = new List<(int, int, string, DateTimeOffset)>();
        if (_lineage.ZombieCandidateCount == 0) return zombies; // the usual case: no question to ask
        var reaped = new List<ZombieCandidate>();
        foreach (var (z, parentComm) in Ask(l => l.ZombieCandidatesOf(unit)))
        {
            switch (Zombies.Check(z))
            {
                case ZombieState.Zombie: zombies.Add((z.Pid, z.Parent, parentComm ?? _ids.CommOf(z.Parent) ?? "?", z.ExitedAt)); break;
                case ZombieState.Gone: reaped.Add(z); break;
            }
        }
        if (reaped.Count > 0) Run(l => l.ForgetZombies(reaped));
        return zombies;
    }

    /// <summary>
    /// Forgets every candidate that was reaped: most exited children are reaped by their parent at
    /// once, and a busy service would otherwise fill the candidates (a real zombie stays until it is
    /// reaped). Each unit's look (ZombiesOf, at every monitor pass) forgets its own; the monitor calls this every tenth pass for the candidates of units no longer looked at.
    /// </summary>
    public void PruneZombies()
    {
        if (_lineage.ZombieCandidateCount == 0) return;
        var reaped = Ask(l => l.ZombieCandidates()).Where(z => Zombies.Check(z) == ZombieState.Gone).ToList();
        if (reaped.Count > 0) Run(l => l.ForgetZombies(reaped));
    }

    /// <summary>
    /// Zombies the exit events did not tell of (an event missed or read late): children in state Z
    /// of the service's live processes, from /proc/PID/task/PID/children. Called only when the
    /// cgroup's task count says there are more zombies than known, so it costs nothing otherwise.
    /// </summary>
    public int FindUnseenZombies(string unit, IEnumerable<int> livePids)
    {
        var found = new List<ZombieCandidate>();
        foreach (int parent in livePids)
        {
            string? children = ProcReader.TryReadText($"/proc/{parent}/task/{parent}/children");
            if (string.IsNullOrWhiteSpace(children)) continue;
            foreach (var c in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(c, out int child) && ProcReader.TryReadStat(child, out var st) && st!.State == 'Z' && st.Ppid == parent)
                    found.Add(new ZombieCandidate(child, unit, parent, DateTimeOffset.Now, st.StartTimeTicks));
        }
        return found.Count == 0 ? 0 : Ask(l => found.Count(l.AddZombie));
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
        var reused = new List<(int, TrackedProcess)>();
        foreach (var (pid, t) in Ask(l => l.ProcessesOf(unit)))
        {
            if (inCgroup.Contains(pid)) continue;
            string? v2 = ProcReader.TryReadUnifiedCgroup(pid);
            if (!IsOutside(v2, cgroupPath)) continue;
            if (!ProcReader.TryReadStat(pid, out var st) || st!.State == 'Z') continue;
            // The pid was reused by another process after ours ended unseen: not ours, never reported.
            // Nor is a child of such a process: forked by a pid the lineage still took for one of
            // ours (its exit and its successor's fork lost in an overrun), which is seen by that
            // parent, alive, having started at another time than the one it was taken for.
            if (!t.IsSameAs(st) || ForkedByAnother(t, st)) reused.Add((pid, t));
            else escaped.Add((pid, st.Comm, v2!));
        }
        if (reused.Count > 0) Run(l => { foreach (var (pid, t) in reused) l.Forget(pid, t); });
        return escaped;
    }

    /// <summary>
    /// A pidfd for an escaped process of the unit, to signal it — only if, checked after the pidfd is
    /// open (from then on the pid cannot be passed on), it is still the very process that was tracked
    /// (same start) and still outside the unit's cgroup. Anything else gets null, and no signal.
    /// </summary>
    public ProcessHandle? OpenEscapee(string unit, int pid, string cgroupPath)
    {
        if (Ask(l => l.Get(pid)) is not { } t || t.Unit != unit) return null;
        var handle = ProcessHandle.TryOpen(pid);
        if (handle is null) return null;
        bool same = ProcReader.TryReadStat(pid, out var st) && st!.State != 'Z' && t.IsSameAs(st);
        if (same && IsOutside(ProcReader.TryReadUnifiedCgroup(pid), cgroupPath)) return handle;
        handle.Dispose();
        return null;
    }

    private static bool ForkedByAnother(TrackedProcess t, ProcStat st) =>
        t.ParentPid > 1 && t.ParentStartTicks != 0 && st.Ppid == t.ParentPid
        && ProcReader.TryReadStat(t.ParentPid, out var parent) && parent!.State != 'Z' && !StartTicks.IsOf(parent, t.ParentStartTicks);

    /// <summary>A v2 cgroup path (as /proc/PID/cgroup gives it) that is neither the service's cgroup nor below it; false when unknown.</summary>
    private static bool IsOutside(string? v2, string cgroupPath) =>
        v2 is not null && v2 != cgroupPath && !v2.StartsWith(cgroupPath + "/", StringComparison.Ordinal);

    /// <summary>What a rescan changed: processes found in a service's cgroup that were not tracked, tracked
    /// ones that had gone without an exit event, and zombies of the services that were not known.</summary>
    public sealed record RescanResult(int Adopted, int Gone, int ZombiesFound);

    /// <summary>
    /// Rebuilds the lineage after the kernel dropped process events (the connector's socket
    /// overflowed: ENOBUFS). Forks that were lost leave processes of a service untracked; exits that
    /// were lost leave dead ones tracked. /proc and the services' cgroups tell what is true now.
    /// </summary>
    /// <param name="units">every unit that has a cgroup now</param>
    public RescanResult Rescan(IEnumerable<string> units)
    {
        var all = new Dictionary<int, ProcStat>();
        foreach (int pid in ProcReader.AllPids())
            if (ProcReader.TryReadStat(pid, out var st)) all[pid] = st!;
        var inCgroups = units.Select(u => (Unit: u, Pids: _cgroups.ReadPids(_cgroups.For(u)))).ToList();
        var tracked = Ask(l => inCgroups.SelectMany(c => c.Pids).Where(p => l.Get(p) is not null).ToHashSet());
        var untracked = inCgroups.SelectMany(c => c.Pids.Where(p => !tracked.Contains(p))
            .Select(p => (p, TrackedProcess.Describe(p, c.Unit, ProcessRoles.Process, inherit: null)))).ToList();
        long now = Environment.TickCount64;
        var (adopted, gone, zombies) = Ask(l => l.ApplyRescan(untracked, all, now));
        return new RescanResult(adopted, gone, zombies);
    }

    /// <summary>Forgets the processes a rescan found gone whose exit event never came (called by the monitor).</summary>
    public void PruneGone(long now)
    {
        var due = Ask(l => l.TakeGone(now));
        if (due.Count == 0) return;
        // Gone, or its pid now another process's: either way ours ended unseen.
        var lost = due.Where(d => !(ProcReader.TryReadStat(d.Pid, out var st) && d.Process.IsSameAs(st!))).ToList();
        if (lost.Count > 0) Run(l => l.ForgetLost(lost));
    }

    /// <summary>Changes the lineage: at once on its loop's thread, else posted there.</summary>
    private void Run(Action<Lineage> change)
    {
        if (_loop.IsCurrent) change(_lineage);
        else _loop.Post(() => change(_lineage));
    }

    /// <summary>A question for the lineage, answered on its loop's thread; the caller waits for the answer.</summary>
    private T Ask<T>(Func<Lineage, T> question)
    {
        if (_loop.IsCurrent) return question(_lineage);
        T answer = default!;
        Exception? failure = null;
        using var done = new ManualResetEventSlim();
        _loop.Post(() =>
        {
            try { answer = question(_lineage); }
            catch (Exception e) { failure = e; }
            finally { done.Set(); }
        });
        done.Wait();
        if (failure is not null) throw new InvalidOperationException("the lineage could not answer", failure);
        return answer;
    }

    /// <summary>Every process followed now, for the next program image (daemon-reexec).</summary>
    public List<KeyValuePair<int, TrackedProcess>> ExportLineage() => Ask(l => l.Export());

    /// <summary>What the previous program image followed; see <see cref="Lineage.Import"/>.</summary>
    public void ImportLineage(IReadOnlyList<KeyValuePair<int, TrackedProcess>> processes) => Ask(l => { l.Import(processes); return true; });

    /// <summary>
    /// Waits until every death handed to the recorder is written, up to <paramref name="limit"/>
    /// (a death waits up to 250 ms for its signal's trace line): before the daemon execs a new image.
    /// </summary>
    public bool WaitRecorded(TimeSpan limit) => _recorder.WaitIdle(limit);

    /// <summary>Writes what is pending, then stops the recorder.</summary>
    public void Dispose()
    {
        _describer.Dispose();
        _recorder.Dispose();
    }
}
