namespace Corral.Core.Units;

/// <summary>SuccessExitStatus=: extra exit codes and signals that count as a clean exit.</summary>
public sealed record ExitStatusSet(IReadOnlySet<int> ExitCodes, IReadOnlySet<int> Signals)
{
    public static readonly ExitStatusSet Empty = new(new HashSet<int>(), new HashSet<int>());
}
