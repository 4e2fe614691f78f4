using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Every process of every service, by pid and start: main and control processes as the spawner
/// registers them, every other one by following fork events from them; the exited ones whose
/// parent has not reaped them yet (zombie candidates); forks seen before their parent was known.
/// Owned by one thread — the process connector's — and never touched by another, so it needs no
/// lock; it reads nothing from /proc or a cgroup: whoever needs a look at the kernel does it on
/// their own thread with what it answers (ProcessTracker), and posts back what they found.
/// </summary>
internal sealed class Lineage(Action<int, TrackedProcess, ExitStatus> onDeath, Action<int, TrackedProcess> onExec)
{
    private const int MaxUnclaimedForks = 4096;
    private const int MaxZombieCandidates = 65_536;
    private const string ExecutorComm = "corral-exec";
    private static readonly int Self = Environment.ProcessId;

    private readonly Dictionary<int, TrackedProcess> _procs = new();
    // The same processes by unit, kept with _procs by Set and Remove: a unit's processes are asked
    // for at every monitor pass, and must not cost a walk over every process of every unit.
    private readonly Dictionary<string, HashSet<int>> _byUnit = new(StringComparer.Ordinal);
    // Forks whose parent was not known yet: a service may fork before its spawner has registered it.
    private readonly Dictionary<int, (int Parent, long At, ulong StartTicks)> _unclaimedForks = new();
    // Processes of a service that exited while their parent, another process of the service, lives:
    // zombies until that parent reaps them. Zombies are not in cgroup.procs, so this is how they are seen.
    private readonly Dictionary<int, ZombieCandidate> _unreaped = new();
    // Main processes taken over from a dead daemon: not our children, so their exit comes from here.
    private readonly Dictionary<int, Action<ExitStatus>> _exitWatches = new();
    // Processes a rescan found gone while still tracked, and since when (ProcessTracker.PruneGone).
    private readonly Dictionary<int, long> _gone = new();
    private long _procEvents, _exitsLost;
    private int _zombieCandidates;

    /// <summary>Process events (fork, exec, exit of a process) read from the connector so far (any thread may read it).</summary>
    public long ProcEvents => Interlocked.Read(ref _procEvents);

    /// <summary>Processes whose exit the kernel's dropped events hid: no death record could be written for them (any thread).</summary>
    public long ExitsLost => Interlocked.Read(ref _exitsLost);

    /// <summary>How many zombie candidates there are (any thread): with none, nobody needs to ask for them.</summary>
    public int ZombieCandidateCount => Volatile.Read(ref _zombieCandidates);

    private void Set(int pid, TrackedProcess t)
    {
        if (_procs.TryGetValue(pid, out var before) && before.Unit != t.Unit) _byUnit[before.Unit].Remove(pid);
        _procs[pid] = t;
        if (!_byUnit.TryGetValue(t.Unit, out var pids)) _byUnit[t.Unit] = pids = [];
        pids.Add(pid);
    }

    private bool Remove(int pid, out TrackedProcess t)
    {
        if (!_procs.Remove(pid, out t!)) return false;
        if (_byUnit.TryGetValue(t.Unit, out var pids) && pids.Remove(pid) && pids.Count == 0) _byUnit.Remove(t.Unit);
        return true;
    }

    private bool Remove(int pid) => Remove(pid, out _);

    private void CountZombieCandidates() => Volatile.Write(ref _zombieCandidates, _unreaped.Count);

    public void OnProcEvent(ProcEvent e)
    {
        Interlocked.Increment(ref _procEvents);
        switch (e.Kind)
        {
            case ProcEventKind.Fork:
                OnFork(e.Pid, e.ParentPid, StartTicks.FromEvent(e.TimestampNs));
                break;
            case ProcEventKind.Exec:
                if (_procs.TryGetValue(e.Pid, out var execd)) onExec(e.Pid, execd);
                break;
            case ProcEventKind.Exit:
                OnExit(e.Pid, e.ParentPid, ExitStatus.FromRaw(e.RawStatus));
                break;
        }
    }

    private void OnFork(int pid, int parentPid, ulong start)
    {
        if (_procs.TryGetValue(parentPid, out var parent))
        {
            var child = parent with { Role = ProcessRoles.Process, StartedAt = DateTimeOffset.Now, StartTicks = start, ParentPid = parentPid, ParentStartTicks = parent.StartTicks };
            Set(pid, child);
            AdoptForksOf(pid, child, start);
            return;
        }
        // A new process with this pid: whatever of ours had it before is gone, its exit event lost.
        // Forgotten now, it can never be taken for the newcomer (the daemon's own children are
        // registered by the spawner, with their start, before or after).
        if (parentPid != Self && _procs.TryGetValue(pid, out var stale) && !StartTicks.Same(stale.StartTicks, start))
            Remove(pid);
        if (_unreaped.Remove(pid)) CountZombieCandidates();
        StashFork(pid, parentPid, start);
    }

    private void OnExit(int pid, int parentPid, ExitStatus status)
    {
        if (_exitWatches.Remove(pid, out var watch)) watch(status);
        _unclaimedForks.Remove(pid);
        _gone.Remove(pid);
        if (!_procs.TryGetValue(pid, out var t)) return;
        if (parentPid != Self && _procs.ContainsKey(parentPid) && _unreaped.Count < MaxZombieCandidates)
        {
            _unreaped[pid] = new ZombieCandidate(pid, t.Unit, parentPid, DateTimeOffset.Now, t.StartTicks);
            CountZombieCandidates();
        }
        // Main and control processes end through the reaper (Reaped), which has their status first-hand.
        if (t.Role == ProcessRoles.Process && Remove(pid)) onDeath(pid, t, status);
    }

    /// <summary>Every process followed now (daemon-reexec hands them to the next program image).</summary>
    public List<KeyValuePair<int, TrackedProcess>> Export() => [.. _procs];

    /// <summary>
    /// The processes the previous program image followed, before any event it left unread is taken
    /// in: a process that forked or ended while the new image started is then known by its parent,
    /// or by itself. One this image already follows is kept as it is.
    /// </summary>
    public void Import(IEnumerable<KeyValuePair<int, TrackedProcess>> processes)
    {
        foreach (var (pid, t) in processes)
            if (!_procs.ContainsKey(pid)) Set(pid, t);
    }

    /// <summary>A main or control process just spawned (named by what it is about to exec), or a running one that became main.</summary>
    public void Register(int pid, TrackedProcess t)
    {
        Set(pid, t);
        AdoptForksOf(pid, t, t.StartTicks);
    }

    /// <summary>A process that was already running (a forking service's daemon) becomes <paramref name="role"/>: /proc's description of it, or what was known when /proc had none.</summary>
    public void RegisterRunning(int pid, TrackedProcess? described, string unit, string role)
    {
        var known = _procs.GetValueOrDefault(pid);
        var t = described is null ? known ?? new TrackedProcess(unit, role, "?", null, null)
            : described.Cmdline is null && known is not null ? described with { Cmdline = known.Cmdline } : described;
        Register(pid, t with { Role = role });
    }

    /// <summary>What /proc said after the process's exec (ProcessTracker reads it off this thread); ignored when the pid is another process's by now.</summary>
    public void Renamed(int pid, TrackedProcess described)
    {
        // The executor's own exec (from posix_spawn) may be read after the spawner named the
        // process after the service: it must not rename it back to the executor.
        if (described.Comm == ExecutorComm || !_procs.TryGetValue(pid, out var t) || !StartTicks.Same(t.StartTicks, described.StartTicks)) return;
        Set(pid, t with { Comm = described.Comm, Cmdline = described.Cmdline ?? t.Cmdline });
    }

    /// <summary>The reaper's word on a main or control process (or an adopted one's exit event).</summary>
    public void Reaped(int pid, ExitStatus status)
    {
        if (Remove(pid, out var t)) onDeath(pid, t, status);
    }

    /// <summary>A process that ended while no daemon watched: forgotten (its record is written without the lineage).</summary>
    public void Forget(int pid) => Remove(pid);

    /// <summary>Forgets the process if it is still the one given (its pid was found reused by another).</summary>
    public void Forget(int pid, TrackedProcess t)
    {
        if (_procs.TryGetValue(pid, out var now) && ReferenceEquals(now, t)) Remove(pid);
    }

    public void WatchExit(int pid, Action<ExitStatus> onExit) => _exitWatches[pid] = onExit;

    /// <summary>Stops watching; true when the exit had not been reported yet.</summary>
    public bool UnwatchExit(int pid) => _exitWatches.Remove(pid);

    public TrackedProcess? Get(int pid) => _procs.GetValueOrDefault(pid);

    public List<(int Pid, TrackedProcess Process)> ProcessesOf(string unit) =>
        _byUnit.TryGetValue(unit, out var pids) ? pids.Select(p => (p, _procs[p])).ToList() : [];

    public List<int> PidsOf(string unit) => _byUnit.TryGetValue(unit, out var pids) ? [.. pids] : [];

    /// <summary>The unit's zombie candidates, each with its parent's name when the lineage knows it.</summary>
    public List<(ZombieCandidate Zombie, string? ParentComm)> ZombieCandidatesOf(string unit) =>
        _unreaped.Values.Where(z => z.Unit == unit).Select(z => (z, _procs.GetValueOrDefault(z.Parent)?.Comm)).ToList();

    /// <summary>Every zombie candidate, for the periodic look that forgets the reaped ones.</summary>
    public List<ZombieCandidate> ZombieCandidates() => [.. _unreaped.Values];

    /// <summary>A zombie found in /proc that no exit event told of; false when it was known.</summary>
    public bool AddZombie(ZombieCandidate z)
    {
        if (_unreaped.Count >= MaxZombieCandidates || !_unreaped.TryAdd(z.Pid, z)) return false;
        CountZombieCandidates();
        return true;
    }

    /// <summary>Forgets candidates that were reaped (or whose pid is another process's), if still the same.</summary>
    public void ForgetZombies(IEnumerable<ZombieCandidate> reaped)
    {
        foreach (var z in reaped)
            if (_unreaped.TryGetValue(z.Pid, out var now) && ReferenceEquals(now, z)) _unreaped.Remove(z.Pid);
        CountZombieCandidates();
    }

    /// <summary>
    /// A rescan's findings applied: processes of the services' cgroups that were not tracked (described
    /// off this thread), the tracked ones /proc no longer has, and zombies of tracked parents.
    /// </summary>
    public (int Adopted, int Gone, int ZombiesFound) ApplyRescan(IReadOnlyList<(int Pid, TrackedProcess Process)> untracked,
        IReadOnlyDictionary<int, ProcStat> all, long now)
    {
        int adopted = 0, lost = 0, zombies = 0;
        foreach (var (pid, t) in untracked)
        {
            if (_procs.ContainsKey(pid)) continue;
            Set(pid, t);
            adopted++;
        }
        foreach (var (pid, t) in _procs)
        {
            // Main and control processes end through the reaper, which loses nothing.
            if (t.Role != ProcessRoles.Process) continue;
            if (all.TryGetValue(pid, out var st) && st.State != 'Z' && t.IsSameAs(st)) continue;
            // Gone, but its exit event may still wait in the socket buffer: it gets a few seconds to arrive.
            if (_gone.TryAdd(pid, now)) lost++;
        }
        foreach (var (pid, st) in all)
        {
            if (st.State != 'Z' || st.Ppid == Self || !_procs.TryGetValue(st.Ppid, out var parent)) continue;
            if (!all.TryGetValue(st.Ppid, out var parentStat) || !parent.IsSameAs(parentStat)) continue; // the parent's pid is another process's now
            if (AddZombie(new ZombieCandidate(pid, parent.Unit, st.Ppid, DateTimeOffset.Now, st.StartTimeTicks))) zombies++;
        }
        return (adopted, lost, zombies);
    }

    /// <summary>The processes a rescan found gone at least 3 s before <paramref name="now"/> whose exit event never came; no longer waited for.</summary>
    public List<(int Pid, TrackedProcess Process)> TakeGone(long now)
    {
        var due = new List<(int, TrackedProcess)>();
        foreach (var (pid, since) in _gone.Where(g => now - g.Value >= 3000).ToList())
        {
            _gone.Remove(pid);
            if (_procs.TryGetValue(pid, out var t) && t.Role == ProcessRoles.Process) due.Add((pid, t));
        }
        return due;
    }

    /// <summary>Processes that ended unseen (checked in /proc by the caller): forgotten, and counted as exits lost.</summary>
    public void ForgetLost(IEnumerable<(int Pid, TrackedProcess Process)> lost)
    {
        foreach (var (pid, t) in lost)
            if (_procs.TryGetValue(pid, out var now) && ReferenceEquals(now, t) && Remove(pid))
                Interlocked.Increment(ref _exitsLost);
    }

    private void StashFork(int child, int parent, ulong startTicks)
    {
        long now = Environment.TickCount64;
        if (_unclaimedForks.Count >= MaxUnclaimedForks)
            foreach (var old in _unclaimedForks.Where(kv => now - kv.Value.At > 2000).Select(kv => kv.Key).ToList())
                _unclaimedForks.Remove(old);
        if (_unclaimedForks.Count < MaxUnclaimedForks) _unclaimedForks[child] = (parent, now, startTicks);
    }

    /// <summary>Claims the stashed forks of a process just registered: those made by it (forked after it started, not by an earlier holder of its pid).</summary>
    private void AdoptForksOf(int pid, TrackedProcess parent, ulong parentStart)
    {
        if (_unclaimedForks.Count == 0) return;
        var children = _unclaimedForks.Where(kv => kv.Value.Parent == pid && (parentStart == 0 || kv.Value.StartTicks + 1 >= parentStart))
            .Select(kv => (Pid: kv.Key, Start: kv.Value.StartTicks)).ToList();
        foreach (var (c, start) in children)
        {
            _unclaimedForks.Remove(c);
            var child = parent with { Role = ProcessRoles.Process, StartTicks = start, ParentPid = pid, ParentStartTicks = parentStart };
            Set(c, child);
            AdoptForksOf(c, child, start);
        }
    }
}
