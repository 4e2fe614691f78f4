using Corral.Core.Jobs;
using Corral.Core.Units;

namespace Corral.Daemon.Jobs;

/// <summary>A unit's dependencies under systemctl show's property names: each kind and its inverse.</summary>
internal static class DependencyProperties
{
    /// <summary>Forward kinds and the name of their inverse (WantedBy= is the inverse of Wants=).</summary>
    private static readonly (DependencyKind Kind, string Inverse)[] Kinds =
    [
        (DependencyKind.Requires, "RequiredBy"), (DependencyKind.Requisite, "RequisiteOf"), (DependencyKind.Wants, "WantedBy"),
        (DependencyKind.BindsTo, "BoundBy"), (DependencyKind.PartOf, "ConsistsOf"), (DependencyKind.Upholds, "UpheldBy"),
        (DependencyKind.Conflicts, "ConflictedBy"), (DependencyKind.OnFailure, "OnFailureOf"), (DependencyKind.OnSuccess, "OnSuccessOf"),
    ];

    public static readonly IReadOnlyList<string> Names =
        [.. Kinds.SelectMany(k => new[] { DependencyKindNames.Format(k.Kind), k.Inverse }), "Before", "After"];

    public static Dictionary<string, List<string>> Of(DependencyGraph g, string unit)
    {
        var d = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (kind, inverse) in Kinds)
        {
            d[DependencyKindNames.Format(kind)] = [.. g.Forward(unit, kind)];
            d[inverse] = [.. g.Reverse(unit, kind).Order(StringComparer.Ordinal)];
        }
        d["After"] = [.. g.OrderedAfter(unit).Order(StringComparer.Ordinal)];
        d["Before"] = [.. g.OrderedBefore(unit).Order(StringComparer.Ordinal)];
        return d;
    }
}
