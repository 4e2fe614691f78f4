using Corral.Core.Units;

namespace Corral.Core.Jobs;

/// <summary>
/// Every loaded unit's dependencies, with their inverses, read at one moment: what a transaction
/// is computed on. systemd's implied relations are made here once: A Before= B is B After= A;
/// Conflicts= works both ways; a target with DefaultDependencies= is ordered after what it wants
/// or requires unless the two are already ordered (systemd.target(5)).
/// </summary>
public sealed class DependencyGraph
{
    private readonly IReadOnlyDictionary<string, UnitDependencies> _units;
    private readonly Dictionary<(string Unit, DependencyKind Kind), HashSet<string>> _reverse = [];
    private readonly Dictionary<string, HashSet<string>> _after = new(StringComparer.Ordinal), _before = new(StringComparer.Ordinal);

    /// <param name="units">Every loaded unit (services and targets) by name, with its dependencies.</param>
    /// <param name="isTarget">Which of them are targets (for their default ordering).</param>
    public DependencyGraph(IReadOnlyDictionary<string, UnitDependencies> units, Func<string, bool> isTarget)
    {
        _units = units;
        foreach (var (name, deps) in units)
            foreach (var (kind, other) in deps.All)
            {
                if (!_reverse.TryGetValue((other, kind), out var set)) _reverse[(other, kind)] = set = new(StringComparer.Ordinal);
                set.Add(name);
            }
        foreach (var (name, deps) in units)
        {
            foreach (var b in deps.Of(DependencyKind.After)) AddAfter(name, b);
            foreach (var a in deps.Of(DependencyKind.Before)) AddAfter(a, name);
        }
        foreach (var (name, deps) in units)
        {
            if (!isTarget(name) || !deps.DefaultDependencies) continue;
            foreach (var pulled in deps.Of(DependencyKind.Wants).Concat(deps.Of(DependencyKind.Requires)))
                if (!IsAfter(pulled, name) && !IsAfter(name, pulled)) AddAfter(name, pulled);
        }
    }

    private void AddAfter(string unit, string before)
    {
        if (!_after.TryGetValue(unit, out var set)) _after[unit] = set = new(StringComparer.Ordinal);
        set.Add(before);
        if (!_before.TryGetValue(before, out var inverse)) _before[before] = inverse = new(StringComparer.Ordinal);
        inverse.Add(unit);
    }

    private bool IsAfter(string unit, string other) => _after.TryGetValue(unit, out var set) && set.Contains(other);

    public bool Knows(string unit) => _units.ContainsKey(unit);

    public IEnumerable<string> Units => _units.Keys;

    /// <summary>What <paramref name="unit"/> says of others, of one kind.</summary>
    public IReadOnlyList<string> Forward(string unit, DependencyKind kind) => _units.TryGetValue(unit, out var d) ? d.Of(kind) : [];

    /// <summary>The units that say <paramref name="kind"/> of <paramref name="unit"/> (its RequiredBy=, WantedBy=, BoundBy= …).</summary>
    public IReadOnlyCollection<string> Reverse(string unit, DependencyKind kind) =>
        _reverse.TryGetValue((unit, kind), out var set) ? set : [];

    /// <summary>The units <paramref name="unit"/> is ordered after, however it was said.</summary>
    public IReadOnlyCollection<string> OrderedAfter(string unit) => _after.TryGetValue(unit, out var set) ? set : [];

    /// <summary>The units ordered after <paramref name="unit"/>.</summary>
    public IReadOnlyCollection<string> OrderedBefore(string unit) => _before.TryGetValue(unit, out var set) ? set : [];

    /// <summary>Whether the two are ordered, either way.</summary>
    public bool Ordered(string a, string b) => IsAfter(a, b) || IsAfter(b, a);

    /// <summary>Conflicts=, both ways.</summary>
    public IEnumerable<string> Conflicting(string unit) =>
        Forward(unit, DependencyKind.Conflicts).Concat(Reverse(unit, DependencyKind.Conflicts)).Distinct();

    /// <summary>Units a stop of <paramref name="unit"/> stops too: those that require it, are bound to it or part of it.</summary>
    public IEnumerable<string> StoppedWith(string unit) =>
        Reverse(unit, DependencyKind.Requires).Concat(Reverse(unit, DependencyKind.BindsTo)).Concat(Reverse(unit, DependencyKind.PartOf)).Distinct();
}
