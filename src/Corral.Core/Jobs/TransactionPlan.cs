namespace Corral.Core.Jobs;

/// <summary>
/// A transaction's jobs, one per unit, in the order they were pulled in (anchors first), what each
/// waits for before it may run, and whose start fails when a unit's start fails (Requires=,
/// BindsTo=, Requisite= of units ordered after it). Built by <see cref="TransactionPlanner"/>.
/// </summary>
public sealed record TransactionPlan(
    IReadOnlyList<(string Unit, JobType Type)> Jobs,
    IReadOnlyDictionary<string, IReadOnlyList<string>> WaitsFor,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Requirers)
{
    public IReadOnlyList<string> WaitsOn(string unit) => WaitsFor.TryGetValue(unit, out var l) ? l : [];

    public IReadOnlyList<string> RequirersOf(string unit) => Requirers.TryGetValue(unit, out var l) ? l : [];

    /// <summary>What the transaction pulled in beyond its anchors and could not find (wanted, so no error).</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];
}
