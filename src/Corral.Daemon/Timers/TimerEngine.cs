using System.Collections.Immutable;
using Corral.Core.Timers;
using Corral.Daemon.Services;

namespace Corral.Daemon.Timers;

/// <summary>What a timer needs to know of the unit it starts: whether it is inactive, and when it last left and entered that state.</summary>
internal sealed record UnitActivity(bool Inactive, DateTimeOffset? ActivatedAt, DateTimeOffset? DeactivatedAt);

/// <summary>
/// Every timer's life, on one loop. What moves a timer:
///
/// | state \ event | start                 | elapse            | its unit went inactive | its job could not start the unit | stop | definition reloaded |
/// |---------------|-----------------------|-------------------|------------------------|----------------------------------|------|---------------------|
/// | dead, failed  | plan → waiting/elapsed/dead | —           | —                      | —                                | —    | kept                |
/// | waiting       | (already active)      | start unit → running | plan again          | —                                | dead | plan again          |
/// | running       | (already active)      | —                 | plan → waiting/elapsed/dead | failed (resources)          | dead | kept for its next plan |
/// | elapsed       | (already active)      | —                 | plan again (OnUnit*Sec=) | —                              | dead | plan again          |
///
/// "Plan" is <see cref="TimerSchedule.Plan"/>: waiting when something is left to elapse; else
/// elapsed (RemainAfterElapse=yes, or a trigger on the unit's activity that may elapse again) or
/// dead. One alarm serves every timer: the soonest fire point, re-armed after each change. The
/// elapse starts the unit through the job engine, as `corral start` would, with the cause said
/// ("nightly.timer, due …"). An active timer is written down (TimerFiles) so that a daemon started
/// after this one was killed takes it over.
/// </summary>
internal sealed class TimerEngine : IDisposable
{
    private readonly Mailbox _loop = new("timers");
    private readonly LoopTimer _alarm;
    private readonly TimeProvider _clock;
    private readonly TimerFiles _files;
    private readonly Dictionary<string, TimerRun> _runs = new(StringComparer.Ordinal);
    private volatile ImmutableDictionary<string, TimerView> _views = ImmutableDictionary<string, TimerView>.Empty.WithComparers(StringComparer.Ordinal);
    private readonly TimerMoment _startup;
    private readonly long _perturbUs;
    private readonly string _bootId;
    private readonly ulong _machineSeed;
    private bool _paused;

    // A wall-clock alarm sleeps at most this long, so that a step of the clock delays it this much at most.
    private static readonly TimeSpan WallClockRecheck = TimeSpan.FromSeconds(60);

    /// <param name="startup">when the daemon's process started (OnStartupSec='s base)</param>
    public TimerEngine(TimeProvider clock, TimerFiles files, TimerMoment startup)
    {
        _clock = clock;
        _files = files;
        _alarm = new LoopTimer(_loop, clock);
        _startup = startup;
        _bootId = BootId();
        _perturbUs = (long)(Hash(_bootId) % 60_000_000UL);
        _machineSeed = Hash(MachineId());
    }

    /// <summary>Starts a unit for a timer, with the cause said (set by the job engine).</summary>
    public Func<string, string, Task<JobResult>>? StartUnit { get; set; }
    /// <summary>The unit a timer starts, as it is now; null when there is no such unit.</summary>
    public Func<string, UnitActivity?>? Activity { get; set; }
    /// <summary>Why a unit cannot be started (not found, failed to load), or null.</summary>
    public Func<string, string?>? LoadError { get; set; }
    /// <summary>Told after a timer's state changed.</summary>
    public Action<string>? Changed { get; set; }

    public TimerView? View(string name) => _views.GetValueOrDefault(name);

    public bool IsActive(string name) => _views.TryGetValue(name, out var v) && v.ActiveState == "active";

    public IEnumerable<string> Active => _views.Values.Where(v => v.ActiveState == "active").Select(v => v.Name);

    /// <summary>Now on both clocks.</summary>
    public TimerMoment Now() => new(_clock.GetUtcNow(), Monotonic(_clock));

    /// <summary>When this process started, on both clocks: its start in /proc (ticks since boot) put on the monotonic clock.</summary>
    public static TimerMoment ProcessStart(TimeProvider clock)
    {
        var now = new TimerMoment(clock.GetUtcNow(), Monotonic(clock));
        if (!Linux.Procfs.ProcReader.TryReadStat(Environment.ProcessId, out var st) || st is null) return now;
        var mono = TimeSpan.FromTicks((long)(Linux.Procfs.StartTicks.ToEventNs(st.StartTimeTicks) / 100));
        return mono > now.Monotonic ? now : new TimerMoment(now.Realtime - (now.Monotonic - mono), mono);
    }

    public static TimeSpan Monotonic(TimeProvider clock) => TimeSpan.FromTicks((long)((double)clock.GetTimestamp() * TimeSpan.TicksPerSecond / clock.TimestampFrequency));

    public Task<JobResult> StartAsync(TimerUnit timer) => _loop.Ask(() =>
    {
        if (_runs.TryGetValue(timer.Name, out var run) && run.Active) return JobResult.Done;
        if (LoadError?.Invoke(timer.Unit) is { } why)
            return JobResult.Fail($"Refusing to start {timer.Name}: the unit it starts, {timer.Unit}, {why}.");
        run ??= _runs[timer.Name] = new TimerRun(timer, _clock.GetLocalNow());
        run.Unit = timer;
        if (ConditionCheck.Refusal(timer.Name, timer.Conditions, timer.Asserts, out var unmet) is { } refusal)
        {
            run.UnmetCondition = unmet;
            Publish(run);
            return refusal;
        }
        var now = Now();
        run.UnmetCondition = null;
        run.Result = "success";
        run.LastError = null;
        run.Activated = now;
        run.LastTriggerRealtime = null;
        run.LastTriggerMonotonic = null;
        run.CalendarFloor = null;
        run.Spent = [];
        if (timer.Persistent) LoadStamp(run, now);
        Plan(run);
        return JobResult.Done;
    });

    /// <summary>Persistent=: the stamp is the last trigger (unless it lies in the future); a timer without one gets one now.</summary>
    private void LoadStamp(TimerRun run, TimerMoment now)
    {
        try
        {
            var stamp = _files.Stamp(run.Unit.Name);
            if (stamp is null) _files.Touch(run.Unit.Name, now.Realtime);
            else if (stamp < now.Realtime) run.LastTriggerRealtime = stamp;
            else Say(run, $"its stamp {_files.StampPath(run.Unit.Name)} is in the future ({stamp:u}), not used");
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            Say(run, $"its stamp {_files.StampPath(run.Unit.Name)} cannot be read or made: {e.Message}; a run missed while it is inactive will not be made up");
        }
    }

    public Task<JobResult> StopAsync(string name) => _loop.Ask(() =>
    {
        if (_runs.TryGetValue(name, out var run) && run.Active)
        {
            Set(run, TimerStates.Dead);
            Forget(run);
            Rearm();
        }
        return JobResult.Done;
    });

    public Task ResetFailedAsync(string name) => _loop.Ask(() =>
    {
        if (_runs.TryGetValue(name, out var run) && run.Sub == TimerStates.Failed) Set(run, TimerStates.Dead);
    });

    public Task ResetAllFailedAsync() => _loop.Ask(() =>
    {
        foreach (var run in _runs.Values.Where(r => r.Sub == TimerStates.Failed).ToList()) Set(run, TimerStates.Dead);
    });

    /// <summary>daemon-reload: an active timer plans again with its new definition (one that is running, once its unit ends).</summary>
    public Task UpdateAsync(IEnumerable<TimerUnit> timers) => _loop.Ask(() =>
    {
        foreach (var t in timers)
        {
            if (!_runs.TryGetValue(t.Name, out var run) || run.Unit == t) continue;
            run.Unit = t;
            if (run.Sub is TimerStates.Waiting or TimerStates.Elapsed) Plan(run);
        }
    });

    // The units active timers start, as the loop last published them: every unit's every change is
    // told here, and only those few are worth a trip to the loop.
    private volatile ImmutableHashSet<string> _watching = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>Any thread: a unit changed; the timers that start it look again.</summary>
    public void OnUnitChanged(string unit)
    {
        if (_watching.Contains(unit)) _loop.Post(() => LookAt(unit));
    }

    private void LookAt(string unit)
    {
        foreach (var run in _runs.Values.Where(r => r.Unit.Unit == unit && r.Active).ToList())
        {
            // systemd: a running timer waits for its unit to go inactive; a waiting or elapsed one plans
            // again at every change (OnUnitActiveSec= and OnUnitInactiveSec= count from them).
            if (run.Sub == TimerStates.Running && Activity?.Invoke(unit) is { Inactive: false }) continue;
            Plan(run);
        }
    }

    /// <summary>
    /// At start-up: takes over the timers a previous daemon left active. <paramref name="handedAt"/>
    /// is when a previous image handed over (daemon-reexec): elapses since then are made up. After a
    /// daemon that was killed, only Persistent= timers make up what elapsed while none ran.
    /// </summary>
    public Task TakeOverAsync(Func<string, TimerUnit?> definition, DateTimeOffset? handedAt) => _loop.Ask(() =>
    {
        var now = Now();
        foreach (var (name, r) in _files.LoadAll())
        {
            if (definition(name) is not { } timer || r.BootId != _bootId)
            {
                _files.Delete(name); // a timer that no longer exists, or a record of an earlier boot
                continue;
            }
            var run = _runs[name] = new TimerRun(timer, _clock.GetLocalNow())
            {
                Activated = new TimerMoment(r.ActivatedRealtime, TimeSpan.FromTicks(r.ActivatedMonotonicUs * 10)),
                LastTriggerRealtime = r.LastTriggerRealtime,
                LastTriggerMonotonic = r.LastTriggerMonotonicUs is { } us ? TimeSpan.FromTicks(us * 10) : null,
                Spent = [.. r.Spent],
                CalendarFloor = handedAt ?? (timer.Persistent ? null : now.Realtime),
            };
            if (timer.Persistent && _files.Stamp(name) is { } stamp && stamp < now.Realtime && (run.LastTriggerRealtime is null || stamp > run.LastTriggerRealtime))
                run.LastTriggerRealtime = stamp;
            Console.Error.WriteLine($"corral: {name}: taking over the active timer from the previous daemon");
            Plan(run);
        }
    });

    /// <summary>daemon-reexec: no timer fires until <see cref="Resume"/> (the new image takes them over from their records).</summary>
    public Task PauseAsync() => _loop.Ask(() =>
    {
        _paused = true;
        _alarm.Disarm();
    });

    public void Resume() => _loop.Post(() =>
    {
        _paused = false;
        Rearm();
    });

    /// <summary>Works out the timer's next elapse and arms it, or finds nothing left to elapse.</summary>
    private void Plan(TimerRun run)
    {
        var now = Now();
        var unit = Activity?.Invoke(run.Unit.Unit);
        TimeSpan? Mono(DateTimeOffset? at) => at is { } t ? now.Monotonic - (now.Realtime - t) : null;
        var facts = new TimerFacts
        {
            Now = now, Activated = run.Activated, Startup = _startup,
            LastTriggerRealtime = run.LastTriggerRealtime, LastTriggerMonotonic = run.LastTriggerMonotonic,
            CalendarFloor = run.CalendarFloor,
            UnitActivated = Mono(unit?.ActivatedAt), UnitDeactivated = Mono(unit?.DeactivatedAt),
        };
        var plan = TimerSchedule.Plan(run.Unit, facts, run.Spent);
        run.Spent = [.. plan.Disabled];
        if (plan.Elapsed)
        {
            run.FireMonotonicUs = run.FireRealtimeUs = null;
            run.Next = run.Due = null;
            if (plan.WatchesUnit || run.Unit.RemainAfterElapse) Set(run, TimerStates.Elapsed);
            else
            {
                Set(run, TimerStates.Dead);
                Forget(run);
                Rearm();
                return;
            }
        }
        else
        {
            long accuracyUs = run.Unit.Accuracy.Ticks / 10;
            DateTimeOffset? next = null, due = null;
            run.FireMonotonicUs = run.FireRealtimeUs = null;
            if (plan.Monotonic is { } m)
            {
                var at = m + TimerSchedule.RandomDelay(run.Unit, Seed(run), Random.Shared);
                long us = at.Ticks / 10;
                run.FireMonotonicUs = TimerSchedule.Coalesce(us, us + accuracyUs, _perturbUs);
                next = now.Realtime + (at - now.Monotonic);
                due = now.Realtime + (m - now.Monotonic);
            }
            if (plan.Realtime is { } r)
            {
                var at = r + TimerSchedule.RandomDelay(run.Unit, Seed(run), Random.Shared);
                long us = (at - DateTimeOffset.UnixEpoch).Ticks / 10;
                run.FireRealtimeUs = TimerSchedule.Coalesce(us, us + accuracyUs, _perturbUs);
                if (next is null || at < next) next = at;
                if (due is null || plan.CalendarDue < due) due = plan.CalendarDue;
            }
            run.Next = next;
            run.Due = due;
            Set(run, TimerStates.Waiting);
        }
        Record(run);
        Rearm();
    }

    private ulong Seed(TimerRun run) => _machineSeed ^ Hash(run.Unit.Name);

    /// <summary>The one alarm: at the soonest fire point of every waiting timer.</summary>
    private void Rearm()
    {
        if (_paused) return;
        var now = Now();
        long nowMono = now.Monotonic.Ticks / 10, nowReal = (now.Realtime - DateTimeOffset.UnixEpoch).Ticks / 10;
        TimeSpan? soonest = null;
        foreach (var run in _runs.Values.Where(r => r.Sub == TimerStates.Waiting))
        {
            if (run.FireMonotonicUs is { } m) soonest = Min(soonest, TimeSpan.FromTicks(Math.Max(0, m - nowMono) * 10));
            if (run.FireRealtimeUs is { } r) soonest = Min(soonest, Min(WallClockRecheck, TimeSpan.FromTicks(Math.Max(0, r - nowReal) * 10)));
        }
        if (soonest is { } after) _alarm.Arm(after, OnAlarm);
        else _alarm.Disarm();
    }

    private static TimeSpan Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    private void OnAlarm()
    {
        if (_paused) return;
        var now = Now();
        long nowMono = now.Monotonic.Ticks / 10, nowReal = (now.Realtime - DateTimeOffset.UnixEpoch).Ticks / 10;
        foreach (var run in _runs.Values.Where(r => r.Sub == TimerStates.Waiting).ToList())
            if (run.FireMonotonicUs <= nowMono || run.FireRealtimeUs <= nowReal) Trigger(run, now);
        Rearm();
    }

    /// <summary>The timer elapsed: its unit is started (a start of a unit already active does nothing), and it runs until the unit ends.</summary>
    private void Trigger(TimerRun run, TimerMoment now)
    {
        var due = run.Due ?? now.Realtime;
        string cause = $"{run.Unit.Name}, due {Core.Text.TimeText.Stamp(due)}"
            + (due < _startup.Realtime ? " (made up: the daemon was not running then)"
                : due < run.Activated.Realtime ? " (made up: the timer was not active then)" : "");
        run.LastTriggerRealtime = now.Realtime;
        run.LastTriggerMonotonic = now.Monotonic;
        run.CalendarFloor = null;
        run.FireMonotonicUs = run.FireRealtimeUs = null;
        if (run.Unit.Persistent)
        {
            try { _files.Touch(run.Unit.Name, now.Realtime); }
            catch (Exception e) when (Core.FileErrors.Is(e)) { Say(run, $"its stamp {_files.StampPath(run.Unit.Name)} cannot be written: {e.Message}"); }
        }
        Set(run, TimerStates.Running);
        Record(run);
        string name = run.Unit.Name, unit = run.Unit.Unit;
        Jobs.TriggeredStart.Launch(StartUnit, unit, cause, _loop, r => OnJobDone(name, unit, r));
    }

    /// <summary>The start job the timer made is over: a unit that could not be started fails the timer; one that already ended lets it plan again.</summary>
    private void OnJobDone(string name, string unit, JobResult r)
    {
        if (!_runs.TryGetValue(name, out var run) || run.Sub != TimerStates.Running) return;
        if (!r.Ok && LoadError?.Invoke(unit) is { } why)
        {
            run.Result = "resources";
            Say(run, $"cannot start {unit}: {why}");
            Set(run, TimerStates.Failed);
            Forget(run);
            Rearm();
            return;
        }
        if (Activity?.Invoke(unit) is not { Inactive: false }) Plan(run);
    }

    private void Set(TimerRun run, string sub)
    {
        if (run.Sub != sub)
        {
            run.Sub = sub;
            run.Since = _clock.GetLocalNow();
        }
        Publish(run);
    }

    private void Publish(TimerRun run)
    {
        _views = _views.SetItem(run.Unit.Name, run.View());
        _watching = _runs.Values.Where(r => r.Active).Select(r => r.Unit.Unit).ToImmutableHashSet(StringComparer.Ordinal);
        Changed?.Invoke(run.Unit.Name);
    }

    /// <summary>Writes the active timer down for a daemon that may come after this one; a full disk is said, and the timer goes on.</summary>
    private void Record(TimerRun run)
    {
        var record = new TimerRecord
        {
            BootId = _bootId, ActivatedRealtime = run.Activated.Realtime, ActivatedMonotonicUs = run.Activated.Monotonic.Ticks / 10,
            LastTriggerRealtime = run.LastTriggerRealtime, LastTriggerMonotonicUs = run.LastTriggerMonotonic?.Ticks / 10,
            Spent = [.. run.Spent.Order()],
        };
        // Planned again at every change of its unit: the file is written only when what it says changed.
        string said = $"{record.ActivatedRealtime:O}|{record.ActivatedMonotonicUs}|{record.LastTriggerRealtime:O}|{record.LastTriggerMonotonicUs}|{string.Join(',', record.Spent)}";
        if (said == run.Recorded) return;
        try
        {
            _files.Write(run.Unit.Name, record);
            run.Recorded = said;
            if (run.LastError?.StartsWith("its record", StringComparison.Ordinal) == true)
            {
                run.LastError = null;
                Publish(run);
            }
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            Say(run, $"its record in {_files.Dir} cannot be written ({e.Message}): a daemon started after this one is killed will not find it active");
        }
    }

    /// <summary>The timer is no longer active: its record goes (and is written anew when it is active again).</summary>
    private void Forget(TimerRun run)
    {
        _files.Delete(run.Unit.Name);
        run.Recorded = null;
    }

    /// <summary>A problem of the timer: on its status's Error: line, and once (not at every elapse) on the daemon's stderr.</summary>
    private void Say(TimerRun run, string problem)
    {
        if (run.LastError == problem) return;
        run.LastError = problem;
        Console.Error.WriteLine($"corral: {run.Unit.Name}: {problem}");
        Publish(run);
    }

    private static string BootId()
    {
        try { return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return "unknown"; }
    }

    private static string MachineId()
    {
        try { return File.ReadAllText("/etc/machine-id").Trim(); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return Environment.MachineName; }
    }

    /// <summary>FNV-1a, 64 bits: stable across runs (string.GetHashCode is not).</summary>
    private static ulong Hash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    public void Dispose() => _loop.Ask(() => _alarm.Dispose()).Wait(TimeSpan.FromSeconds(5));
}
