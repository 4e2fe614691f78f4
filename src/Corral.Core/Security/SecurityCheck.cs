namespace Corral.Core.Security;

/// <summary>
/// One finding of a check: its badness from 0 (best) to the check's range, or null when the check
/// does not apply (an option that means nothing for a root service), and what it found in words.
/// </summary>
public readonly record struct Finding(int? Badness, string Description)
{
    public static Finding NotApplicable(string why) => new(null, why);
}

/// <summary>
/// One of systemd-analyze security's checks: its name as systemd prints it ("PrivateNetwork=",
/// "CapabilityBoundingSet=~CAP_SYS_ADMIN"), its JSON field, its weight and range (systemd 252's
/// figures: they decide the score), the directives it reads, and how it judges a unit.
/// </summary>
public sealed record SecurityCheck(string Name, string JsonField, int Weight, int Range, string[] Directives, Func<SecurityFacts, Finding> Assess)
{
    /// <summary>A yes/no check: good when <paramref name="isGood"/> holds.</summary>
    public static SecurityCheck Bool(string name, string json, int weight, string[] directives, Func<SecurityFacts, bool> isGood, string good, string bad) =>
        new(name, json, weight, 1, directives, f => isGood(f) ? new Finding(0, good) : new Finding(1, bad));
}
