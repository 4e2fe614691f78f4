using Corral.Core.Timers;

namespace Corral.Daemon.Timers;

/// <summary>
/// One timer's life, owned by the timer engine's loop. Its states are systemd's: dead (inactive),
/// waiting (armed), running (its unit was started and has not ended), elapsed (nothing left to
/// elapse, kept active), failed (its unit could not be started).
/// </summary>
internal sealed class TimerRun(TimerUnit unit, DateTimeOffset since)
{
    public TimerUnit Unit { get; set; } = unit;
    public string Sub { get; set; } = TimerStates.Dead;
    public DateTimeOffset Since { get; set; } = since;
    public string Result { get; set; } = "success";
    public TimerMoment Activated { get; set; }
    public DateTimeOffset? LastTriggerRealtime { get; set; }
    public TimeSpan? LastTriggerMonotonic { get; set; }
    /// <summary>No calendar elapse before this is made up (a daemon that was down, without Persistent=).</summary>
    public DateTimeOffset? CalendarFloor { get; set; }
    public HashSet<int> Spent { get; set; } = [];
    /// <summary>Where it fires on each clock (µs: since boot, since the epoch), accuracy and random delay applied.</summary>
    public long? FireMonotonicUs { get; set; }
    public long? FireRealtimeUs { get; set; }
    /// <summary>The next elapse as list-timers shows it (random delay added), and the elapse it is for (none added).</summary>
    public DateTimeOffset? Next { get; set; }
    public DateTimeOffset? Due { get; set; }
    public string? LastError { get; set; }
    public string? UnmetCondition { get; set; }
    /// <summary>What its record on disk says now (null: none written since it became active).</summary>
    public string? Recorded { get; set; }

    public bool Active => Sub is TimerStates.Waiting or TimerStates.Running or TimerStates.Elapsed;

    public TimerView View() => new(Unit.Name, Sub, Since, Result, Sub == TimerStates.Waiting ? Next : null, LastTriggerRealtime, LastError, UnmetCondition);
}

public static class TimerStates
{
    public const string Dead = "dead", Waiting = "waiting", Running = "running", Elapsed = "elapsed", Failed = "failed";

    public static string Active(string sub) => sub switch
    {
        Dead => "inactive",
        Failed => "failed",
        _ => "active",
    };
}

/// <summary>A timer as its engine last published it: what status, show and list-timers read.</summary>
internal sealed record TimerView(string Name, string SubState, DateTimeOffset Since, string Result, DateTimeOffset? Next,
    DateTimeOffset? LastTrigger, string? LastError, string? UnmetCondition)
{
    public string ActiveState => TimerStates.Active(SubState);
}
