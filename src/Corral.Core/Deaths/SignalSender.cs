namespace Corral.Core.Deaths;

/// <summary>The process that sent a fatal signal, as tracing saw it and /proc told at once.</summary>
public sealed record SignalSender(int Pid, string Comm, int? Uid, string? User, string? Unit);
