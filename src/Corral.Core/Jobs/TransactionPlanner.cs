using Corral.Core.Units;

namespace Corral.Core.Jobs;

/// <summary>
/// Computes a transaction's whole set of jobs before anything runs, as systemd does
/// (systemd.unit(5)): a start pulls in what its units require, bind to, want and uphold, verifies
/// what they name as requisite, and stops what they conflict with; a stop takes along the units
/// that require it, are bound to it or are part of it. Ordering (After=/Before=) then says which
/// job waits for which: starts in order, stops in reverse, and a stop before a start of two
/// ordered units whatever the direction. An ordering cycle, a required unit that is missing and a
/// unit both started and stopped are errors, and then nothing runs.
/// </summary>
public sealed class TransactionPlanner
{
    private readonly DependencyGraph _graph;
    private readonly Func<string, bool> _isActive;
    private readonly Func<string, string?> _loadError;
    private readonly Dictionary<string, JobType> _jobs = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly List<string> _missing = [];

    /// <param name="isActive">Whether a unit runs now (active, activating, reloading): stops are only for those, besides the anchors.</param>
    /// <param name="loadError">Why a unit the graph does not know cannot be loaded ("not found", its file's error).</param>
    private TransactionPlanner(DependencyGraph graph, Func<string, bool> isActive, Func<string, string?> loadError)
    {
        _graph = graph;
        _isActive = isActive;
        _loadError = loadError;
    }

    public static TransactionPlan Start(DependencyGraph graph, IEnumerable<string> anchors, Func<string, bool> isActive, Func<string, string?> loadError)
    {
        var p = new TransactionPlanner(graph, isActive, loadError);
        foreach (var a in anchors) p.AddStart(a, required: true, anchor: a);
        return p.Finish();
    }

    public static TransactionPlan Stop(DependencyGraph graph, IEnumerable<string> anchors, Func<string, bool> isActive, Func<string, string?> loadError)
    {
        var p = new TransactionPlanner(graph, isActive, loadError);
        foreach (var a in anchors) p.AddStop(a, force: true, anchor: a);
        return p.Finish();
    }

    /// <summary>isolate: the target's start, and a stop of every other active unit that does not ignore isolation.</summary>
    public static TransactionPlan Isolate(DependencyGraph graph, string target, IEnumerable<string> active, Func<string, bool> ignoresIsolate,
        Func<string, bool> isActive, Func<string, string?> loadError)
    {
        var p = new TransactionPlanner(graph, isActive, loadError);
        p.AddStart(target, required: true, anchor: target);
        foreach (var u in active)
            if (!p._jobs.ContainsKey(u) && !ignoresIsolate(u)) p.AddStop(u, force: false, anchor: target);
        return p.Finish();
    }

    private void Add(string unit, JobType type)
    {
        _jobs[unit] = type;
        _order.Add(unit);
    }

    /// <summary>False when a wanted unit cannot start (something it requires is missing): it is left out.</summary>
    private bool AddStart(string unit, bool required, string anchor)
    {
        if (_jobs.TryGetValue(unit, out var existing))
        {
            if (existing == JobType.Stop) throw Conflict(unit, anchor);
            if (existing == JobType.VerifyActive) _jobs[unit] = JobType.Start;
            return true;
        }
        if (!_graph.Knows(unit))
        {
            if (required) throw new TransactionException($"Unit {unit} {_loadError(unit) ?? "not found"}.");
            _missing.Add(unit);
            return false;
        }
        Add(unit, JobType.Start);
        foreach (var r in _graph.Forward(unit, DependencyKind.Requires).Concat(_graph.Forward(unit, DependencyKind.BindsTo)))
        {
            if (AddStart(r, required, anchor)) continue;
            // A wanted unit whose requirement is missing is left out, not the whole transaction.
            _jobs.Remove(unit);
            _order.Remove(unit);
            return false;
        }
        foreach (var q in _graph.Forward(unit, DependencyKind.Requisite))
        {
            if (!_graph.Knows(q))
            {
                if (required) throw new TransactionException($"Unit {q} {_loadError(q) ?? "not found"}.");
                continue;
            }
            if (!_jobs.ContainsKey(q)) Add(q, JobType.VerifyActive);
        }
        foreach (var w in _graph.Forward(unit, DependencyKind.Wants).Concat(_graph.Forward(unit, DependencyKind.Upholds)))
            AddStart(w, required: false, anchor);
        foreach (var c in _graph.Conflicting(unit)) AddStop(c, force: false, anchor);
        return true;
    }

    private void AddStop(string unit, bool force, string anchor)
    {
        if (_jobs.TryGetValue(unit, out var existing))
        {
            if (existing != JobType.Stop) throw Conflict(unit, anchor);
            return;
        }
        // An anchor is stopped whatever it is: a unit whose file is gone or broken still runs on its last definition.
        if (!force && !_isActive(unit)) return;
        Add(unit, JobType.Stop);
        foreach (var dependent in _graph.StoppedWith(unit)) AddStop(dependent, force: false, anchor);
    }

    private static TransactionException Conflict(string unit, string anchor) =>
        new($"Transaction for {anchor} is destructive: {unit} would be both started and stopped (Conflicts=, or a stop of what it requires).");

    private TransactionPlan Finish()
    {
        var waits = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var a in _order)
        {
            var list = new List<string>();
            foreach (var b in _order)
                if (a != b && Waits(a, _jobs[a], b, _jobs[b])) list.Add(b);
            if (list.Count > 0) waits[a] = list;
        }
        if (FindCycle(waits) is { } cycle)
            throw new TransactionException($"Ordering cycle: {string.Join(" → ", cycle)}; nothing was started. Break it by removing one of these After=/Before=.");
        var requirers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var u in _order.Where(u => _jobs[u] != JobType.Stop))
        {
            var list = _order.Where(r => _jobs[r] == JobType.Start && waits.TryGetValue(r, out var w) && w.Contains(u)
                && (_graph.Forward(r, DependencyKind.Requires).Contains(u) || _graph.Forward(r, DependencyKind.BindsTo).Contains(u)
                    || _graph.Forward(r, DependencyKind.Requisite).Contains(u))).ToList();
            if (list.Count > 0) requirers[u] = list;
        }
        return new TransactionPlan([.. _order.Select(u => (u, _jobs[u]))], waits, requirers) { Missing = [.. _missing.Distinct()] };
    }

    /// <summary>Whether job <paramref name="a"/> waits for job <paramref name="b"/>.</summary>
    private bool Waits(string a, JobType ta, string b, JobType tb)
    {
        bool aStops = ta == JobType.Stop, bStops = tb == JobType.Stop;
        if (!aStops && !bStops) return _graph.OrderedAfter(a).Contains(b);
        if (aStops && bStops) return _graph.OrderedAfter(b).Contains(a); // stops in reverse
        // One stops, one starts: the stop goes first, whichever way they are ordered.
        return !aStops && _graph.Ordered(a, b);
    }

    /// <summary>A cycle of waits, as the units it passes in After= order, first repeated at the end; null when none.</summary>
    private static List<string>? FindCycle(Dictionary<string, IReadOnlyList<string>> waits)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 on the path, 2 done
        var path = new List<string>();
        List<string>? Visit(string u)
        {
            state[u] = 1;
            path.Add(u);
            foreach (var v in waits.TryGetValue(u, out var l) ? l : [])
            {
                if (state.GetValueOrDefault(v) == 1) return [.. path.Skip(path.IndexOf(v)), v];
                if (state.GetValueOrDefault(v) == 0 && Visit(v) is { } c) return c;
            }
            path.RemoveAt(path.Count - 1);
            state[u] = 2;
            return null;
        }
        foreach (var u in waits.Keys)
            if (state.GetValueOrDefault(u) == 0 && Visit(u) is { } cycle) return cycle;
        return null;
    }
}
