namespace Corral.Core.Units;

/// <summary>SuccessExitStatus= and RestartPreventExitStatus=: exit codes and signals.</summary>
public sealed record ExitStatusSet(IReadOnlySet<int> ExitCodes, IReadOnlySet<int> Signals)
{
    public static readonly ExitStatusSet Empty = new(new HashSet<int>(), new HashSet<int>());

    public bool Matches(State.ExitStatus s) => s.Code switch
    {
        State.ExitCode.Exited => ExitCodes.Contains(s.Value),
        State.ExitCode.Unknown => false,
        _ => Signals.Contains(s.Value),
    };
}
