using Corral.Core.Zombies;
using Corral.Daemon.Deaths;
using Corral.Daemon.Notices;
using Corral.Daemon.Services;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Monitoring;

/// <summary>
/// Looks, every <c>--monitor-interval</c>, at what no single event tells: a service's zombies against
/// its ZombieMax= (and the ZombieAction= to take), processes newly escaped from a service's cgroup,
/// the machine's process table against the pid-pressure share, and process events the kernel dropped
/// (then /proc is rescanned). Each finding is a notice in the event store, raised once when a
/// condition starts and once when it clears.
/// </summary>
internal sealed class HealthMonitor : IDisposable
{
    /// <summary>A pressure notice clears only below this fraction of the threshold, so that a table hovering at it does not flap.</summary>
    public const double PressureHysteresis = 0.95;

    private readonly Manager _manager;
    private readonly ProcessTracker _tracker;
    private readonly EventStore _store;
    private readonly ProcConnectorListener? _connector;
    private readonly double _pressureShare;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly TimeSpan _interval;
    private readonly object _tickGate = new();
    private readonly MemoryTrim _trim = new(TimeSpan.FromSeconds(10), 8 << 20);
    private readonly Dictionary<string, bool> _zombiesOver = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<(int Pid, string Comm)>> _escapesSeen = new(StringComparer.Ordinal);
    // Written by the tick, read by Machine() on API threads without waiting for a tick.
    private volatile bool _underPressure;
    private long _overrunsHandled, _rescans, _ticks;

    public HealthMonitor(Manager manager, ProcessTracker tracker, EventStore store, ProcConnectorListener? connector, double pressureShare, TimeSpan interval)
    {
        _manager = manager;
        _tracker = tracker;
        _store = store;
        _connector = connector;
        _pressureShare = pressureShare;
        _interval = interval;
        // A thread of its own that sleeps between ticks: a thread-pool timer would wake a pool worker,
        // which spins for more work before it sleeps again, and that spinning cost more than the tick.
        _thread = new Thread(Loop) { IsBackground = true, Name = "health-monitor" };
        _thread.Start();
    }

    private void Loop()
    {
        while (!_stopping.Wait(_interval)) Tick();
    }

    /// <summary>One pass (also callable directly); ticks never overlap (a concurrent one is skipped).</summary>
    public void Tick()
    {
        if (!Monitor.TryEnter(_tickGate)) return;
        try
        {
            Heartbeat?.Invoke();
            _store.RetryHeld();
            var runners = _manager.Runners();
            Sampler?.Invoke(runners);
            CheckLostEvents(runners);
            foreach (var runner in runners) CheckUnit(runner);
            CheckPressure();
            _trim.TrimIfDue();
            Interlocked.Increment(ref _ticks);
        }
        catch (Exception e) when (Core.FileErrors.Is(e) || e is FormatException or Microsoft.Data.Sqlite.SqliteException
            or Linux.Cgroups.CgroupException or Linux.ErrnoException)
        {
            Console.Error.WriteLine($"corral: health check failed: {e.Message}");
        }
        finally
        {
            Monitor.Exit(_tickGate);
        }
    }

    /// <summary>Called every tick with the runners: the web page's usage history samples them (Monitoring.UsageHistory).</summary>
    public Action<List<ServiceRunner>>? Sampler { get; init; }

    /// <summary>Called every tick: the daemon's heartbeat, which tells a successor when it was last alive.</summary>
    public Action? Heartbeat { get; init; }

    public MachineStatus Machine()
    {
        var use = ProcessTable.Read();
        return new MachineStatus(use.Processes ?? 0, use.Threads, use.PidMax, use.ThreadsMax, use.Share, _pressureShare, _underPressure)
        {
            ProcEvents = _tracker.ProcEvents,
            ConnectorOverruns = _connector?.Overruns ?? 0,
            ExitsLost = _tracker.ExitsLost,
            Rescans = Interlocked.Read(ref _rescans),
            MonitorTicks = Interlocked.Read(ref _ticks),
        };
    }

    private void CheckLostEvents(List<ServiceRunner> runners)
    {
        _tracker.PruneGone(Environment.TickCount64);
        // Each unit's look at its zombies (every pass, in Health) forgets its reaped candidates; this
        // catches those of units that are no longer looked at, and needs no hurry.
        if (Interlocked.Read(ref _ticks) % 10 == 0) _tracker.PruneZombies();
        long overruns = _connector?.Overruns ?? 0;
        if (overruns == _overrunsHandled) return;
        long lost = overruns - _overrunsHandled;
        _overrunsHandled = overruns;
        var units = runners.Where(r => !Core.State.ServiceStateNames.HasNoRun(r.State)).Select(r => r.Unit.Name).ToList();
        var r = _tracker.Rescan(units);
        Interlocked.Increment(ref _rescans);
        _store.Add(new Notice(NoticeKinds.EventsLost, null,
            $"the kernel dropped process events ({lost} socket overrun{(lost == 1 ? "" : "s")} of the process connector); " +
            $"rescanned /proc and {units.Count} service cgroup{(units.Count == 1 ? "" : "s")}: {r.Adopted} untracked process{(r.Adopted == 1 ? "" : "es")} adopted, " +
            $"{r.Gone} gone without an exit event, {r.ZombiesFound} zombie{(r.ZombiesFound == 1 ? "" : "s")} found")
        { Count = lost });
    }

    private void CheckUnit(ServiceRunner runner)
    {
        var h = runner.Health();
        string name = h.Unit.Name;
        CheckZombies(runner, h);

        var seen = _escapesSeen.TryGetValue(name, out var s) ? s : _escapesSeen[name] = [];
        if (h.Inactive) { seen.Clear(); return; }
        foreach (var e in h.Escapees)
        {
            if (!seen.Add((e.Pid, e.Comm))) continue;
            string fate = h.Unit.KillEscaped ? "it will be killed on stop (KillEscaped=yes)" : "stop will leave it running (KillEscaped=no)";
            _store.Add(new Notice(NoticeKinds.Escaped, name, $"pid {e.Pid} ({e.Comm}) left the service's cgroup {h.CgroupPath} and is now in {e.Cgroup}; {fate}") { Pid = e.Pid });
        }
        seen.RemoveWhere(k => !h.Escapees.Any(e => e.Pid == k.Pid && e.Comm == k.Comm));
    }

    private void CheckZombies(ServiceRunner runner, UnitHealth h)
    {
        string name = h.Unit.Name;
        bool wasOver = _zombiesOver.GetValueOrDefault(name);
        int count = h.ZombieCount;
        if (h.Unit.ZombieMax is not { } max)
        {
            _zombiesOver.Remove(name); // the limit was removed by daemon-reload: nothing to clear against
            return;
        }
        bool over = count > max;
        if (over == wasOver) return;
        _zombiesOver[name] = over;
        if (!over)
        {
            _store.Add(new Notice(NoticeKinds.ZombiesCleared, name, $"{count} zombie{(count == 1 ? "" : "s")}, back within ZombieMax={max}") { Count = count });
            return;
        }
        var worst = h.Zombies[0];
        string factories = string.Join(", ", h.Zombies.Select(z => $"pid {z.ParentPid} ({z.ParentComm}) has not reaped {z.Count}"));
        string action = h.Unit.ZombieAction switch
        {
            ZombieAction.Restart => "; restarting the service (ZombieAction=restart)",
            ZombieAction.Stop => "; stopping the service (ZombieAction=stop)",
            _ => "",
        };
        _store.Add(new Notice(NoticeKinds.ZombiesExceeded, name, $"{count} zombies, more than ZombieMax={max}: {factories}{action}") { Pid = worst.ParentPid, Count = count });
        // The job runs on its own, off the tick (a job may spawn, and the next tick must not wait for it);
        // the next ticks see its outcome (zombies gone with their parent: cleared).
        var zombieAction = h.Unit.ZombieAction;
        _ = Task.Run(() => zombieAction switch
        {
            ZombieAction.Restart => runner.RestartAsync(null, null, "ZombieAction=restart"),
            ZombieAction.Stop => runner.StopAsync(null, noBlock: false, "ZombieAction=stop"),
            _ => Task.FromResult(JobResult.Done),
        });
    }

    private void CheckPressure()
    {
        var use = ProcessTable.ReadThreads();
        double share = use.Share;
        if (!_underPressure && share >= _pressureShare)
        {
            _underPressure = true;
            _store.Add(new Notice(NoticeKinds.PidPressure, null,
                $"the process table is {ProcessTableUse.Percent(share)} full, past the warning share of {ProcessTableUse.Percent(_pressureShare)} " +
                $"({use}); forks fail when {use.NearerLimit} is reached") { Count = use.Threads });
        }
        else if (_underPressure && share < _pressureShare * PressureHysteresis)
        {
            _underPressure = false;
            _store.Add(new Notice(NoticeKinds.PidPressureCleared, null,
                $"the process table is back to {ProcessTableUse.Percent(share)} ({use}), below the warning share of {ProcessTableUse.Percent(_pressureShare)}") { Count = use.Threads });
        }
    }

    public void Dispose()
    {
        _stopping.Set();
        _thread.Join(TimeSpan.FromSeconds(5));
    }
}
