using Corral.Core.Deaths;
using Corral.Core.Signals;

namespace Corral.Daemon.Wire;

/// <summary>A death record as the API shows it: the decoded status, the cause, its evidence and the sentence.</summary>
public sealed record DeathView
{
    /// <summary>"death": tells a death from a notice in <c>corral events --json</c>.</summary>
    public string Event => "death";
    public long Id { get; init; }
    public required string Unit { get; init; }
    public int Pid { get; init; }
    public required string Role { get; init; }
    public required string Comm { get; init; }
    public string? Cmdline { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset EndedAt { get; init; }
    /// <summary>exited, killed or dumped (killed and dumped core).</summary>
    public required string Code { get; init; }
    /// <summary>The exit code, or the signal number.</summary>
    public int Status { get; init; }
    public string? Signal { get; init; }
    public required string Cause { get; init; }
    public string? Reason { get; init; }
    public SignalSender? Sender { get; init; }
    public OomEvidence? Oom { get; init; }
    public CorralKillView? Corral { get; init; }
    /// <summary>Every signal Corral sent the service in this run before the death: the escalation.</summary>
    public List<CorralKillView> CorralSignals { get; init; } = [];
    public required string Sentence { get; init; }

    public static DeathView From(DeathRecord d) => new()
    {
        Id = d.Id, Unit = d.Unit, Pid = d.Pid, Role = d.Role, Comm = d.Comm, Cmdline = d.Cmdline,
        StartedAt = d.StartedAt, EndedAt = d.EndedAt, Code = d.Status.CodeName, Status = d.Status.Value,
        Signal = d.Status.IsSignal ? SignalNames.Format(d.Status.Value) : null,
        Cause = DeathCauseNames.Format(d.Cause), Reason = d.Reason, Sender = d.Sender, Oom = d.Oom,
        Corral = d.CorralKill is { } k ? View(k) : null,
        CorralSignals = d.CorralKills.Select(View).ToList(),
        Sentence = DeathSentence.Describe(d),
    };

    private static CorralKillView View(CorralKill k) => new(SignalNames.Format(k.Signal), k.Verb, k.CallerUid, k.Reason, k.At);
}

public sealed record CorralKillView(string Signal, string Verb, int? CallerUid, string Reason, DateTimeOffset At);

public sealed record DeathList(List<DeathView> Deaths);
