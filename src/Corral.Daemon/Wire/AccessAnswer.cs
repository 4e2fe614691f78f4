namespace Corral.Daemon.Wire;

/// <summary>What the page asks (GET /v1/access): may this request's token act (start, stop, restart ...)?</summary>
public sealed record AccessAnswer(bool Actions, string Reason);
