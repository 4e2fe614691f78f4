namespace Corral.Daemon.Wire;

/// <summary>One point of a unit's charts: tasks and memory at a time (null while the unit had no run).</summary>
public sealed record UsageSample(DateTimeOffset At, ulong? Tasks, ulong? MemoryBytes);

/// <summary>GET /v1/units/NAME/history: the last hour of a unit's tasks and memory.</summary>
public sealed record UsageHistoryList(string Unit, int StepSeconds, List<UsageSample> Samples);
