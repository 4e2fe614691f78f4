using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Daemon.Services;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;

namespace Corral.Daemon.Tests;

/// <summary>
/// The kernel as a runner sees it, played in memory: processes that run until the test ends them or
/// a signal they do not ignore reaches them, cgroups that hold them, and the populated-state watch.
/// Nothing here touches the machine, so a runner's mailbox can be driven with no root. Pids start
/// above the kernel's largest pid_max (2^22), so no /proc lookup the tracker makes can find a real
/// process by one of them.
/// </summary>
internal sealed class FakeKernel : IServiceProcesses, ICgroupManager, ICgroupWatcher
{
    private readonly object _gate = new(); // a fake may lock: the runners' loops and the test all call it
    private readonly Dictionary<int, FakeProcess> _running = [];
    private readonly Dictionary<string, HashSet<int>> _members = [];
    private readonly Dictionary<string, List<Action>> _watches = [];
    private readonly HashSet<string> _frozen = [];
    private readonly List<(int Pid, int Signal)> _held = [];
    private readonly List<FakeProcess> _spawned = [];
    private int _nextPid = 5_000_000;

    public FakeKernel(string root) => Root = root;

    /// <summary>Executables whose spawn fails, with the executor step that fails.</summary>
    public Dictionary<string, string> FailingSpawns { get; } = [];

    /// <summary>Signals the processes of these executables catch and survive (a service slow to stop).</summary>
    public Dictionary<string, HashSet<int>> Ignored { get; } = [];

    /// <summary>While set, a spawn waits for it: the loop is busy in a spawn for as long as the test likes.</summary>
    public ManualResetEventSlim? SpawnGate { get; set; }

    /// <summary>Every process spawned, in order.</summary>
    public List<FakeProcess> Spawned { get { lock (_gate) return [.. _spawned]; } }

    /// <summary>The processes spawned for a unit's commands.</summary>
    public List<FakeProcess> SpawnedFor(string unit) => Spawned.Where(p => p.Cgroup == unit).ToList();

    public sealed class FakeProcess(FakeKernel kernel, int pid, SpawnRequest request, string cgroup, Action<IProcessHandle, ExitStatus> onExit) : IProcessHandle
    {
        public int Pid { get; } = pid;
        public SpawnRequest Request { get; } = request;
        public string Cgroup { get; } = cgroup;
        public List<int> Signals { get; } = [];
        public ExitStatus? Exit { get; internal set; }
        internal Action<IProcessHandle, ExitStatus> OnExit { get; } = onExit;

        public bool TrySignal(int signal) => kernel.Signal(Pid, signal);
        public void Dispose() { }
    }

    // ---- processes ----

    public IProcessHandle Spawn(SpawnRequest req, Action<IProcessHandle, ExitStatus> onExit, Action<int>? onSpawned = null)
    {
        SpawnGate?.Wait(TimeSpan.FromSeconds(30));
        if (FailingSpawns.TryGetValue(req.Executable, out var step)) throw new SpawnException(step, 2, req.Executable);
        string cgroup = UnitOfDir(req.CgroupDirs[^1]);
        FakeProcess p;
        lock (_gate)
        {
            p = new FakeProcess(this, _nextPid++, req, cgroup, onExit);
            _running[p.Pid] = p;
            _spawned.Add(p);
            Members(cgroup).Add(p.Pid);
        }
        onSpawned?.Invoke(p.Pid);
        return p;
    }

    public IProcessHandle? ClaimChild(int pid, Action<int> opened, Action<IProcessHandle, ExitStatus> onExit, bool ended = false) => null;

    public IProcessHandle? Open(int pid) => null;

    public bool EndedUnclaimed(int pid) => false;

    public bool Kill(int pid, int signal) => Signal(pid, signal);

    private bool Signal(int pid, int signal)
    {
        lock (_gate)
        {
            if (!_running.TryGetValue(pid, out var p)) return false;
            p.Signals.Add(signal);
            if (signal != SignalNames.SigKill && _frozen.Contains(p.Cgroup))
            {
                _held.Add((pid, signal)); // handled after the thaw
                return true;
            }
        }
        Deliver(pid, signal);
        return true;
    }

    private void Deliver(int pid, int signal)
    {
        FakeProcess? p;
        lock (_gate)
            if (!_running.TryGetValue(pid, out p)) return;
        bool ignored = signal != SignalNames.SigKill && Ignored.TryGetValue(p.Request.Executable, out var set) && set.Contains(signal);
        if (!ignored && signal is not (SignalNames.SigCont or SignalNames.SigChld)) End(pid, ExitStatus.Killed(signal));
    }

    /// <summary>The process ends with the status given: taken out of its cgroup, its exit told as the reaper tells it, the cgroup's watchers woken if it emptied.</summary>
    public void End(int pid, ExitStatus status)
    {
        FakeProcess p;
        List<Action> wake = [];
        lock (_gate)
        {
            if (!_running.Remove(pid, out p!)) return;
            p.Exit = status;
            var members = Members(p.Cgroup);
            members.Remove(pid);
            if (members.Count == 0 && _watches.TryGetValue(p.Cgroup, out var w)) wake = [.. w];
        }
        p.OnExit(p, status);
        foreach (var a in wake) a();
    }

    public bool IsRunning(int pid) { lock (_gate) return _running.ContainsKey(pid); }

    // ---- cgroups ----

    public string Root { get; }
    public CgroupLayout Layout => new(Path.GetDirectoryName(Root)!, null, null);
    public IReadOnlyDictionary<CgroupLimit, string> NotEnforced { get; } = new Dictionary<CgroupLimit, string>();
    public List<(string Unit, ulong? TasksMax, ulong? MemoryMax)> Created { get; } = [];

    public void EnsureRoot() { }
    public string Describe() => $"a fake kernel's cgroups under {Root}";

    public ServiceCgroup Create(string unit, ulong? tasksMax, ulong? memoryMax)
    {
        lock (_gate)
        {
            Created.Add((unit, tasksMax, memoryMax));
            Members(unit);
        }
        return For(unit);
    }

    public ServiceCgroup For(string unit) => new(unit, Path.Combine(Root, unit), null, null);
    public List<string> UnitCgroupNames() { lock (_gate) return [.. _members.Keys]; }
    public List<int> ReadPids(ServiceCgroup cg) { lock (_gate) return [.. Members(cg.Unit)]; }
    public bool IsPopulated(ServiceCgroup cg) { lock (_gate) return Members(cg.Unit).Count > 0; }

    public void KillAll(ServiceCgroup cg)
    {
        foreach (int pid in ReadPids(cg)) Signal(pid, SignalNames.SigKill);
    }

    /// <summary>
    /// The freezer as the kernel has it, with nobody to wait for: frozen at once (the watchers hear
    /// it as they hear "frozen 1"), a signal other than SIGKILL to a frozen process held until the thaw.
    /// </summary>
    public void SetFrozen(ServiceCgroup cg, bool frozen)
    {
        List<Action> wake;
        List<(int Pid, int Signal)> release = [];
        lock (_gate)
        {
            if (frozen) _frozen.Add(cg.Unit);
            else if (_frozen.Remove(cg.Unit))
            {
                release = _held.Where(h => _running.TryGetValue(h.Pid, out var p) && p.Cgroup == cg.Unit).ToList();
                _held.RemoveAll(release.Contains);
            }
            wake = _watches.TryGetValue(cg.Unit, out var w) ? [.. w] : [];
        }
        foreach (var a in wake) a();
        foreach (var (pid, signal) in release) Deliver(pid, signal);
    }

    public string FreezerState(ServiceCgroup cg) { lock (_gate) return _frozen.Contains(cg.Unit) ? "frozen" : "running"; }

    public bool TryRemove(ServiceCgroup cg)
    {
        lock (_gate)
        {
            if (Members(cg.Unit).Count > 0) return false;
            _members.Remove(cg.Unit);
            return true;
        }
    }

    public void TryRemoveRoot() { }
    public void KillAndRemoveAll(TimeSpan waitPerCgroup) { }
    public ulong? TasksCurrent(ServiceCgroup cg) => (ulong)ReadPids(cg).Count;
    public int ThreadCount(ServiceCgroup cg) => ReadPids(cg).Count;
    public ulong? MemoryCurrent(ServiceCgroup cg) => null;
    public ulong? TasksLimit(ServiceCgroup cg) => null;
    public ulong? MemoryLimit(ServiceCgroup cg) => null;
    public ulong? MemoryPeak(ServiceCgroup cg) => null;
    public ulong? OomKills(ServiceCgroup cg) => 0;

    // ---- the populated-state watch ----

    public IDisposable Watch(ServiceCgroup cg, Action onChange)
    {
        lock (_gate)
        {
            if (!_watches.TryGetValue(cg.Unit, out var list)) _watches[cg.Unit] = list = [];
            list.Add(onChange);
        }
        return new Unwatch(this, cg.Unit, onChange);
    }

    private sealed class Unwatch(FakeKernel kernel, string unit, Action onChange) : IDisposable
    {
        public void Dispose()
        {
            lock (kernel._gate)
                if (kernel._watches.TryGetValue(unit, out var list)) list.Remove(onChange);
        }
    }

    private HashSet<int> Members(string unit)
    {
        if (!_members.TryGetValue(unit, out var set)) _members[unit] = set = [];
        return set;
    }

    private string UnitOfDir(string dir) => Path.GetRelativePath(Root, dir);
}
