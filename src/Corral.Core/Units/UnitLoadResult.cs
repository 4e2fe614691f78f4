namespace Corral.Core.Units;

/// <summary>What loading one unit file produced: the unit when it has no error, and every finding.</summary>
public sealed record UnitLoadResult(string Name, string FilePath, ServiceUnit? Unit, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    public string? FirstError => Diagnostics.FirstOrDefault(d => d.Severity == Severity.Error)?.ToString();
}
