namespace Corral.Daemon.Notices;

/// <summary>
/// Something Corral noticed that is not a death: a zombie threshold crossed or cleared, a process that
/// escaped its service's cgroup, the process table filling up, process events the kernel dropped.
/// Unit is null for what concerns the machine or the daemon.
/// </summary>
public sealed record Notice(string Kind, string? Unit, string Message)
{
    /// <summary>"notice": tells a notice from a death in <c>corral events --json</c>.</summary>
    public string Event => "notice";
    public long Id { get; init; }
    public DateTimeOffset At { get; init; } = DateTimeOffset.Now;
    /// <summary>The process concerned, when there is one (the escapee, the parent that does not reap).</summary>
    public int? Pid { get; init; }
    /// <summary>The figure behind it: zombies counted, events lost, per-mille of the process table in use.</summary>
    public long? Count { get; init; }
}

/// <summary>The kinds of notices; docs/events.md describes each.</summary>
public static class NoticeKinds
{
    public const string ZombiesExceeded = "zombies-exceeded";
    public const string ZombiesCleared = "zombies-cleared";
    public const string Escaped = "escaped";
    public const string PidPressure = "pid-pressure";
    public const string PidPressureCleared = "pid-pressure-cleared";
    public const string EventsLost = "events-lost";
    public const string LeftoverCgroup = "leftover-cgroup";
    public const string HttpAction = "http-action";
    public const string LogLoss = "log-loss";
    public const string LogLossEnded = "log-loss-ended";
    public const string RecordsHeld = "records-held";
    public const string RecordsWritten = "records-written";
    public const string StoreRecovered = "store-recovered";
    public const string AdoptedUnrecorded = "adopted-unrecorded";
}
