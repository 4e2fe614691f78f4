namespace Corral.Core.Timers;

/// <summary>A moment on both clocks a timer is measured on: the wall clock, and the monotonic one (time since boot).</summary>
public readonly record struct TimerMoment(DateTimeOffset Realtime, TimeSpan Monotonic);

/// <summary>What a timer's next elapse is computed from, all read at one moment.</summary>
public sealed record TimerFacts
{
    public required TimerMoment Now { get; init; }
    /// <summary>When the timer was started (OnActiveSec='s base); its wall-clock part is the calendar's base until it first triggers.</summary>
    public TimerMoment? Activated { get; init; }
    /// <summary>When the daemon started (OnStartupSec='s base), on both clocks.</summary>
    public required TimerMoment Startup { get; init; }
    /// <summary>When it last triggered its unit (wall clock: from the Persistent= stamp too), if it did.</summary>
    public DateTimeOffset? LastTriggerRealtime { get; init; }
    public TimeSpan? LastTriggerMonotonic { get; init; }
    /// <summary>When the unit it starts last left inactive, and last became inactive (monotonic); null: not since the daemon started.</summary>
    public TimeSpan? UnitActivated { get; init; }
    public TimeSpan? UnitDeactivated { get; init; }
    /// <summary>No calendar event before this elapses (a daemon that was down, for a timer without Persistent=).</summary>
    public DateTimeOffset? CalendarFloor { get; init; }

    public bool HasTriggered => LastTriggerRealtime is not null || LastTriggerMonotonic is not null;
}

/// <summary>
/// The next elapse: on the monotonic clock (the soonest of the spans), on the wall clock (the
/// soonest calendar event), either or both; or none (<see cref="Elapsed"/>). The one-time triggers
/// found spent are in <see cref="Disabled"/> (indices into the timer's values).
/// </summary>
public sealed record TimerPlan(TimeSpan? Monotonic, DateTimeOffset? Realtime, IReadOnlySet<int> Disabled)
{
    /// <summary>Nothing is left to elapse.</summary>
    public bool Elapsed => Monotonic is null && Realtime is null;
    /// <summary>The soonest calendar event itself, before one in the past is moved to the daemon's start: what the elapse is "due" at.</summary>
    public DateTimeOffset? CalendarDue { get; init; }
    /// <summary>It has a trigger on its unit's activity (OnUnitActiveSec=, OnUnitInactiveSec=), which may elapse again: it stays active though elapsed.</summary>
    public bool WatchesUnit { get; init; }
}

/// <summary>
/// When a timer next elapses, as systemd 252 computes it (timer_enter_waiting in src/core/timer.c,
/// read for its rules; the code is Corral's):
/// - a span counts from its base: the timer's start (OnActiveSec=), boot (OnBootSec=), the daemon's
///   start (OnStartupSec=), the unit's last activation or deactivation, or the last trigger if that
///   is later (OnUnitActiveSec=, OnUnitInactiveSec=; none until the unit has changed once);
/// - once the timer has triggered, a span of the first three that lies in the past is spent: it is
///   disabled until the timer starts again (OnActiveSec=) or for good (boot, daemon start);
/// - a calendar event counts from the last trigger, else the timer's start, else now; one that falls
///   before the daemon's start is moved to it (it fires at once, after its random delay);
/// - the soonest span and the soonest calendar event are each armed on their own clock.
/// </summary>
public static class TimerSchedule
{
    public static TimerPlan Plan(TimerUnit timer, TimerFacts f, IReadOnlySet<int> disabled)
    {
        TimeSpan? mono = null;
        DateTimeOffset? real = null, due = null;
        var spent = new HashSet<int>(disabled);
        bool watchesUnit = false;
        for (int i = 0; i < timer.Values.Count; i++)
        {
            if (spent.Contains(i)) continue;
            var v = timer.Values[i];
            if (v.Calendar is { } calendar)
            {
                var from = f.LastTriggerRealtime ?? f.Activated?.Realtime ?? f.Now.Realtime;
                if (f.CalendarFloor is { } floor && floor > from) from = floor;
                if (calendar.Next(from) is not { } next) continue;
                if (due is null || next < due) due = next;
                if (next < f.Startup.Realtime) next = f.Startup.Realtime;
                if (real is null || next < real) real = next;
                continue;
            }
            TimeSpan @base;
            switch (v.Base)
            {
                case TimerBase.Active: @base = f.Activated?.Monotonic ?? f.Now.Monotonic; break;
                case TimerBase.Boot: @base = TimeSpan.Zero; break;
                case TimerBase.Startup: @base = f.Startup.Monotonic; break;
                default:
                    watchesUnit = true;
                    var unit = v.Base == TimerBase.UnitActive ? f.UnitActivated : f.UnitDeactivated;
                    if (unit is null && f.LastTriggerMonotonic is null) continue;
                    @base = Max(unit ?? TimeSpan.Zero, f.LastTriggerMonotonic ?? TimeSpan.Zero);
                    break;
            }
            var at = @base + v.Span;
            if (f.HasTriggered && at < f.Now.Monotonic && v.Base is TimerBase.Active or TimerBase.Boot or TimerBase.Startup)
            {
                spent.Add(i); // a one-time trigger already past
                continue;
            }
            if (mono is null || at < mono) mono = at;
        }
        return new TimerPlan(mono, real, spent) { WatchesUnit = watchesUnit, CalendarDue = due };
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// RandomizedDelaySec='s delay: from 0 up to (not including) the span; with FixedRandomDelay= the
    /// same each time for this timer on this machine (<paramref name="fixedSeed"/>: a hash of the
    /// machine and the timer's name), otherwise picked anew.
    /// </summary>
    public static TimeSpan RandomDelay(TimerUnit timer, ulong fixedSeed, Random random)
    {
        long range = timer.RandomizedDelay.Ticks / 10; // µs
        if (range <= 0) return TimeSpan.Zero;
        ulong pick = timer.FixedRandomDelay ? fixedSeed : (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
        return TimeSpan.FromTicks((long)(pick % (ulong)range) * 10);
    }

    /// <summary>
    /// When to fire within the accuracy window [<paramref name="earliest"/>, <paramref name="latest"/>]
    /// (µs on one clock): late rather than early, so that fewer wake-ups serve more timers, and at the
    /// same spot of the minute for every timer of the machine (<paramref name="perturb"/>, below a
    /// minute, is the machine's); failing that the same spot of 10 s, of 1 s, of 250 ms; otherwise the
    /// window's end. This is how systemd's event loop places a timer with an accuracy.
    /// </summary>
    public static long Coalesce(long earliest, long latest, long perturb)
    {
        if (latest <= earliest + 1) return earliest;
        foreach (long step in new[] { 60_000_000L, 10_000_000L, 1_000_000L, 250_000L })
        {
            long spot = latest / step * step + perturb % step;
            if (spot >= latest)
            {
                if (spot < step) return latest;
                spot -= step;
            }
            if (spot >= earliest) return spot;
        }
        return latest;
    }
}
