namespace Corral.Core.Units;

/// <summary>
/// A unit's [Install] section: what `enable` links it into. Read when the unit loads; acted on only
/// by enable and disable, never by a start (as in systemd).
/// </summary>
public sealed record UnitInstall
{
    public static readonly UnitInstall None = new();

    public IReadOnlyList<string> WantedBy { get; init; } = [];
    public IReadOnlyList<string> RequiredBy { get; init; } = [];
    public IReadOnlyList<string> UpheldBy { get; init; } = [];
    public IReadOnlyList<string> Alias { get; init; } = [];
    public IReadOnlyList<string> Also { get; init; } = [];
    /// <summary>DefaultInstance=: the instance a template is enabled as when named without one.</summary>
    public string? DefaultInstance { get; init; }

    /// <summary>No [Install] directive at all: the unit is "static", started only as another's dependency or by hand.</summary>
    public bool IsEmpty => WantedBy.Count == 0 && RequiredBy.Count == 0 && UpheldBy.Count == 0 && Alias.Count == 0 && Also.Count == 0;
}
