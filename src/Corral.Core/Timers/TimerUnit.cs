using Corral.Core.Units;

namespace Corral.Core.Timers;

/// <summary>What a timer's elapse is measured from (systemd.timer(5)).</summary>
public enum TimerBase
{
    /// <summary>OnActiveSec=: the timer's own activation.</summary>
    Active,
    /// <summary>OnBootSec=: the machine's boot.</summary>
    Boot,
    /// <summary>OnStartupSec=: the service manager's start (the daemon's).</summary>
    Startup,
    /// <summary>OnUnitActiveSec=: the triggered unit's last activation.</summary>
    UnitActive,
    /// <summary>OnUnitInactiveSec=: the triggered unit's last deactivation.</summary>
    UnitInactive,
    /// <summary>OnCalendar=: a calendar event.</summary>
    Calendar,
}

/// <summary>One trigger of a timer: a span after its base, or a calendar event.</summary>
public sealed record TimerValue(TimerBase Base, TimeSpan Span, CalendarSpec? Calendar)
{
    public static TimerValue OnCalendar(CalendarSpec spec) => new(TimerBase.Calendar, TimeSpan.Zero, spec);

    /// <summary>The directive that says it: "OnBootSec", "OnCalendar" …</summary>
    public string Directive => TimerBaseNames.Directive(Base);

    /// <summary>As status and show print it: "OnCalendar=*-*-* 03:00:00", "OnBootSec=15min".</summary>
    public override string ToString() => $"{Directive}={(Calendar is { } c ? c.Text : TimeSpanParser.Format(Span))}";

    public bool IsMonotonic => Base != TimerBase.Calendar;
}

public static class TimerBaseNames
{
    public static string Directive(TimerBase b) => b switch
    {
        TimerBase.Active => "OnActiveSec",
        TimerBase.Boot => "OnBootSec",
        TimerBase.Startup => "OnStartupSec",
        TimerBase.UnitActive => "OnUnitActiveSec",
        TimerBase.UnitInactive => "OnUnitInactiveSec",
        _ => "OnCalendar",
    };
}

/// <summary>
/// A loaded timer (NAME.timer): when to start its unit. It has no process of its own; its
/// schedule is <see cref="TimerSchedule"/>'s, its life the daemon's timer engine's.
/// </summary>
public sealed record TimerUnit
{
    public required string Name { get; init; }
    public required string FilePath { get; init; }
    public IReadOnlyList<string> DropInPaths { get; init; } = [];
    public string Description { get; init; } = "";
    public UnitDependencies Dependencies { get; init; } = UnitDependencies.None;
    public UnitInstall Install { get; init; } = UnitInstall.None;
    public IReadOnlyList<UnitCondition> Conditions { get; init; } = [];
    public IReadOnlyList<UnitCondition> Asserts { get; init; } = [];
    public IReadOnlyList<TimerValue> Values { get; init; } = [];
    /// <summary>Unit=: what it starts; by default the service of its own name.</summary>
    public required string Unit { get; init; }
    /// <summary>AccuracySec=: how late past its elapse it may fire, so that timers elapse together (default 1 min).</summary>
    public TimeSpan Accuracy { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>RandomizedDelaySec=: a delay up to this, picked anew each time it is armed (or fixed, with FixedRandomDelay=).</summary>
    public TimeSpan RandomizedDelay { get; init; }
    public bool FixedRandomDelay { get; init; }
    /// <summary>Persistent=: a calendar elapse missed while the timer was inactive (or the daemon down) fires once at its start.</summary>
    public bool Persistent { get; init; }
    /// <summary>RemainAfterElapse=: once nothing is left to elapse, it stays active (elapsed) rather than going inactive.</summary>
    public bool RemainAfterElapse { get; init; } = true;
    public bool IgnoreOnIsolate { get; init; }
}
