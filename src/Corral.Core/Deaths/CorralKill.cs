namespace Corral.Core.Deaths;

/// <summary>
/// A signal Corral itself sent to a service, written down before it is sent: which signal, the verb
/// behind it (stop, restart, kill, timeout escalation …), the caller's uid when a user asked, and why.
/// </summary>
public sealed record CorralKill(int Signal, string Verb, int? CallerUid, string Reason, DateTimeOffset At);
