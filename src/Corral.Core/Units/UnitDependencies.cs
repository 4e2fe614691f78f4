namespace Corral.Core.Units;

/// <summary>The dependency directives of [Unit], as systemd.unit(5) names them.</summary>
public enum DependencyKind
{
    Wants, Requires, Requisite, BindsTo, PartOf, Upholds, Conflicts, OnFailure, OnSuccess, After, Before,
}

/// <summary>
/// What a unit's [Unit] section says about other units: each kind's names, in the order written,
/// without repeats. The `.wants/` and `.requires/` directories beside a unit add to Wants= and
/// Requires= (<see cref="With"/>). Names are full unit names ("db.service", "syslog.socket"),
/// checked when read.
/// </summary>
public sealed record UnitDependencies
{
    public static readonly UnitDependencies None = new(new Dictionary<DependencyKind, IReadOnlyList<string>>());

    private readonly IReadOnlyDictionary<DependencyKind, IReadOnlyList<string>> _byKind;

    public UnitDependencies(IReadOnlyDictionary<DependencyKind, IReadOnlyList<string>> byKind) => _byKind = byKind;

    /// <summary>DefaultDependencies=: for a target, Wants= and Requires= imply After= (unless ordered otherwise).</summary>
    public bool DefaultDependencies { get; init; } = true;

    public IReadOnlyList<string> Of(DependencyKind kind) => _byKind.TryGetValue(kind, out var l) ? l : [];

    public bool IsEmpty => _byKind.Values.All(l => l.Count == 0);

    /// <summary>These names added to a kind (a unit's .wants/ directory adds to its Wants=).</summary>
    public UnitDependencies With(DependencyKind kind, IEnumerable<string> names)
    {
        var copy = _byKind.ToDictionary(kv => kv.Key, kv => kv.Value);
        copy[kind] = [.. Of(kind).Concat(names).Distinct(StringComparer.Ordinal)];
        return new UnitDependencies(copy) { DefaultDependencies = DefaultDependencies };
    }

    public IEnumerable<(DependencyKind Kind, string Unit)> All =>
        _byKind.SelectMany(kv => kv.Value.Select(u => (kv.Key, u)));
}

public static class DependencyKindNames
{
    private static readonly Text.NameTable<DependencyKind> Names = new(
        ("Wants", DependencyKind.Wants), ("Requires", DependencyKind.Requires), ("Requisite", DependencyKind.Requisite),
        ("BindsTo", DependencyKind.BindsTo), ("PartOf", DependencyKind.PartOf), ("Upholds", DependencyKind.Upholds),
        ("Conflicts", DependencyKind.Conflicts), ("OnFailure", DependencyKind.OnFailure), ("OnSuccess", DependencyKind.OnSuccess),
        ("After", DependencyKind.After), ("Before", DependencyKind.Before));

    public static string Format(DependencyKind k) => Names.Format(k);

    /// <summary>
    /// The directories of links beside a unit ("NAME.wants/", "NAME.requires/", "NAME.upholds/") and
    /// the kind each entry adds to NAME: what the catalog reads and what enable and disable write.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, DependencyKind> LinkDirectories = new Dictionary<string, DependencyKind>(StringComparer.Ordinal)
    {
        [".wants"] = DependencyKind.Wants, [".requires"] = DependencyKind.Requires, [".upholds"] = DependencyKind.Upholds,
    };

    /// <summary>The directory of links that adds to <paramref name="owner"/>'s dependencies of that kind ("multi-user.target.wants").</summary>
    public static string LinkDirectory(string owner, DependencyKind kind) => owner + LinkDirectories.Single(kv => kv.Value == kind).Key;

    public static bool TryParse(string s, out DependencyKind k) => Names.TryParse(s, out k);
}
