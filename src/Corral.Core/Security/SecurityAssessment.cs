namespace Corral.Core.Security;

/// <summary>One check's result: its finding and its share of the overall exposure, in tenths (null when nothing).</summary>
public sealed record CheckResult(SecurityCheck Check, Finding Finding, int? ExposureTenths);

/// <summary>
/// A unit's exposure as `systemd-analyze security` figures it: each check's badness scaled to its
/// weight, summed over the checks that apply, as a share of their weights — from 0.0 (PERFECT) to
/// 10.0 (DANGEROUS), in tenths, every division rounded up as systemd rounds it.
/// </summary>
public sealed record SecurityAssessment(IReadOnlyList<CheckResult> Results, int ExposureTenths)
{
    /// <summary>systemd's words for an exposure, worst first, with the tenths from which each applies.</summary>
    private static readonly (int From, string Level)[] Levels =
        [(100, "DANGEROUS"), (90, "UNSAFE"), (75, "EXPOSED"), (50, "MEDIUM"), (10, "OK"), (1, "SAFE"), (0, "PERFECT")];

    public string Level => LevelOf(ExposureTenths);

    public static string LevelOf(int tenths) => Levels.First(l => tenths >= l.From).Level;

    /// <summary>"9.6"</summary>
    public static string Format(int tenths) => $"{tenths / 10}.{tenths % 10}";

    public static SecurityAssessment Of(SecurityFacts facts)
    {
        var findings = SecurityChecks.All.Select(c => (Check: c, Finding: c.Assess(facts))).ToList();
        long weights = 0, badness = 0;
        foreach (var (c, f) in findings)
        {
            if (f.Badness is not { } b) continue;
            badness += CeilDiv((long)b * c.Weight, c.Range);
            weights += c.Weight;
        }
        var results = findings.Select(x => new CheckResult(x.Check, x.Finding,
            x.Finding.Badness is int b && b > 0 ? (int)CeilDiv(CeilDiv((long)b * x.Check.Weight * 100, x.Check.Range), weights) : (int?)null)).ToList();
        return new SecurityAssessment(results, (int)CeilDiv(badness * 100, weights));
    }

    private static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
