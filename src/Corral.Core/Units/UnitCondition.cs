namespace Corral.Core.Units;

/// <summary>
/// One Condition*= or Assert*= of [Unit] (systemd.unit(5), "Conditions and Asserts"): what is
/// tested (<see cref="Kind"/>, "PathExists"), against what, negated by a leading '!', and with a
/// leading '|' a triggering one: of those, one holding is enough, while every other must hold.
/// </summary>
public sealed record UnitCondition(string Kind, string Value, bool Negate, bool Trigger, bool IsAssert)
{
    /// <summary>The tests Corral evaluates; any other Condition*=/Assert*= is an unknown key.</summary>
    public static readonly IReadOnlyList<string> Kinds =
    [
        "PathExists", "PathExistsGlob", "PathIsDirectory", "PathIsSymbolicLink", "PathIsMountPoint", "FileNotEmpty",
        "DirectoryNotEmpty", "FileIsExecutable", "Virtualization", "KernelCommandLine", "Host", "Architecture",
        "User", "Group", "Environment",
    ];

    /// <summary>The tests whose value is an absolute path.</summary>
    public bool TakesPath => Kind.StartsWith("Path", StringComparison.Ordinal) || Kind is "FileNotEmpty" or "DirectoryNotEmpty" or "FileIsExecutable";

    /// <summary>"ConditionPathExists=!/x", as written.</summary>
    public override string ToString() => $"{(IsAssert ? "Assert" : "Condition")}{Kind}={(Trigger ? "|" : "")}{(Negate ? "!" : "")}{Value}";

    /// <summary>Parses a value with its '|' and '!' prefixes (in that order, as systemd takes them).</summary>
    public static UnitCondition Parse(string kind, string value, bool isAssert)
    {
        bool trigger = value.StartsWith('|');
        if (trigger) value = value[1..].TrimStart();
        bool negate = value.StartsWith('!');
        if (negate) value = value[1..].TrimStart();
        var c = new UnitCondition(kind, value, negate, trigger, isAssert);
        if (value.Length == 0) throw new UnitValueException("has nothing to test after its '|' or '!'");
        if (c.TakesPath && !value.StartsWith('/')) throw new UnitValueException("must be an absolute path");
        return c;
    }

    /// <summary>
    /// The first condition that keeps the start from happening, given each one's outcome (negation
    /// already applied), or null when it may go on: every non-triggering one must hold, and of the
    /// triggering ones (if any) at least one. With no triggering one holding, the first is named.
    /// </summary>
    public static UnitCondition? FirstUnmet(IReadOnlyList<UnitCondition> conditions, Func<UnitCondition, bool> holds)
    {
        UnitCondition? firstTrigger = null;
        bool anyTriggerHolds = false;
        foreach (var c in conditions)
        {
            bool ok = holds(c);
            if (c.Trigger)
            {
                firstTrigger ??= c;
                anyTriggerHolds |= ok;
            }
            else if (!ok) return c;
        }
        return firstTrigger is not null && !anyTriggerHolds ? firstTrigger : null;
    }
}
