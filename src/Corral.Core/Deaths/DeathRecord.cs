using Corral.Core.State;

namespace Corral.Core.Deaths;

/// <summary>One process of a service that died, with the decoded wait status and the cause.</summary>
public sealed record DeathRecord
{
    public long Id { get; init; }
    public required string Unit { get; init; }
    public required int Pid { get; init; }
    /// <summary>main, control, or process (any other process of the cgroup).</summary>
    public required string Role { get; init; }
    public required string Comm { get; init; }
    public string? Cmdline { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public required DateTimeOffset EndedAt { get; init; }
    public required ExitStatus Status { get; init; }
    public required DeathCause Cause { get; init; }
    public SignalSender? Sender { get; init; }
    public CorralKill? CorralKill { get; init; }
    /// <summary>Every signal Corral sent the service in this run up to the death, oldest first (the escalation).</summary>
    public IReadOnlyList<CorralKill> CorralKills { get; init; } = [];
    /// <summary>For <see cref="DeathCause.OomKill"/>: the counter and the kernel's figures.</summary>
    public OomEvidence? Oom { get; init; }
    /// <summary>For <see cref="DeathCause.Unknown"/>: which evidence is missing and why.</summary>
    public string? Reason { get; init; }
}
