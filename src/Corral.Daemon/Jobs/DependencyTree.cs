using Corral.Core.Jobs;
using Corral.Core.Units;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Jobs;

/// <summary>
/// list-dependencies' tree, as systemctl draws it: what a unit requires, wants, binds to, upholds
/// and consists of (--reverse: what requires, wants … it), each child's own dependencies shown
/// below it only for targets unless --all, a unit already on the path never again.
/// </summary>
internal static class DependencyTree
{
    private static readonly DependencyKind[] Pulling =
        [DependencyKind.Requires, DependencyKind.Requisite, DependencyKind.Wants, DependencyKind.BindsTo, DependencyKind.Upholds];

    public static DependencyNode Build(DependencyGraph g, string unit, bool reverse, bool all, Func<string, string> state)
    {
        var path = new HashSet<string>(StringComparer.Ordinal);
        DependencyNode Node(string u, bool expand)
        {
            var children = new List<DependencyNode>();
            if (expand && path.Add(u))
            {
                foreach (var c in Children(g, u, reverse).Where(c => !path.Contains(c)))
                    children.Add(Node(c, all || UnitNames.IsTarget(c)));
                path.Remove(u);
            }
            return new DependencyNode(u, state(u), children);
        }
        return Node(unit, expand: true);
    }

    /// <summary>Targets first, then the rest, each by name, as systemctl sorts them.</summary>
    private static IEnumerable<string> Children(DependencyGraph g, string u, bool reverse)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in Pulling) set.UnionWith(reverse ? g.Reverse(u, k) : g.Forward(u, k));
        // PartOf= points up: a unit's parts are below it (ConsistsOf=), and --reverse shows what it is part of.
        set.UnionWith(reverse ? g.Forward(u, DependencyKind.PartOf) : g.Reverse(u, DependencyKind.PartOf));
        return set.OrderBy(n => UnitNames.IsTarget(n) ? 1 : 0).ThenBy(n => n, StringComparer.Ordinal);
    }
}
