namespace Corral.Core.Jobs;

/// <summary>A transaction that cannot run at all (a cycle, a missing required unit, a conflict): nothing of it is started.</summary>
public sealed class TransactionException(string message) : Exception(message);
