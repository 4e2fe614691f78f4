namespace Corral.Core.Units;

/// <summary>
/// A loaded target (NAME.target): a grouping and synchronisation point with no process of its own.
/// Starting it pulls in what it wants and requires; it is active once its start job ran.
/// </summary>
public sealed record TargetUnit
{
    public required string Name { get; init; }
    /// <summary>The file it was read from; null for a target Corral provides itself (multi-user.target).</summary>
    public string? FilePath { get; init; }
    public IReadOnlyList<string> DropInPaths { get; init; } = [];
    public string Description { get; init; } = "";
    public UnitDependencies Dependencies { get; init; } = UnitDependencies.None;
    public UnitInstall Install { get; init; } = UnitInstall.None;
    public IReadOnlyList<UnitCondition> Conditions { get; init; } = [];
    public IReadOnlyList<UnitCondition> Asserts { get; init; } = [];
    /// <summary>AllowIsolate=: `corral isolate` may switch to it.</summary>
    public bool AllowIsolate { get; init; }
    public bool IgnoreOnIsolate { get; init; }
}
