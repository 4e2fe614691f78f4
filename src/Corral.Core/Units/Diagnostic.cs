namespace Corral.Core.Units;

public enum Severity { Warning, Error }

/// <summary>One finding about a unit file, always located by file and line.</summary>
public sealed record Diagnostic(Severity Severity, string File, int Line, string Message)
{
    public override string ToString() =>
        $"{File}:{Line}: {(Severity == Severity.Error ? "error" : "warning")}: {Message}";
}
