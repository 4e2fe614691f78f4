using System.Globalization;

namespace Corral.Core.Units;

/// <summary>
/// A resource limit as systemd writes it: an absolute number (bytes, tasks), a share of the
/// machine ("50%"), or "infinity". Percentages are resolved against the machine by the daemon.
/// </summary>
public readonly record struct LimitValue(LimitKind Kind, ulong Value)
{
    public static readonly LimitValue Infinity = new(LimitKind.Infinity, 0);

    public static LimitValue Absolute(ulong value) => new(LimitKind.Absolute, value);

    /// <summary>Percent in hundredths (50% = 5000), as systemd stores permyriad.</summary>
    public static LimitValue Percent(ulong permyriad) => new(LimitKind.Percent, permyriad);

    public ulong? Resolve(ulong whole) => Kind switch
    {
        LimitKind.Infinity => null,
        LimitKind.Absolute => Value,
        _ => (ulong)(whole * (Value / 10000.0)),
    };

    public override string ToString() => Kind switch
    {
        LimitKind.Infinity => "infinity",
        LimitKind.Absolute => Value.ToString(CultureInfo.InvariantCulture),
        _ => (Value / 100.0).ToString(CultureInfo.InvariantCulture) + "%",
    };

    /// <summary>A size as a unit file would write it: "100M" when a whole number of mebibytes (K, M, G, T likewise), else as <see cref="ToString"/>.</summary>
    public string ToSizeString()
    {
        if (Kind != LimitKind.Absolute || Value == 0) return ToString();
        foreach (var (suffix, size) in new[] { ("T", 1UL << 40), ("G", 1UL << 30), ("M", 1UL << 20), ("K", 1UL << 10) })
            if (Value % size == 0) return (Value / size).ToString(CultureInfo.InvariantCulture) + suffix;
        return ToString();
    }

    /// <summary>Parses a size with base-1024 suffixes K, M, G, T, P, E ("64M", "1.5G").</summary>
    public static LimitValue ParseBytes(string text) => Parse(text, allowSuffix: true, what: "a size (examples: 64M, 1G, 50%, infinity)");

    /// <summary>Parses a count such as TasksMax= ("64", "10%", "infinity").</summary>
    public static LimitValue ParseCount(string text) => Parse(text, allowSuffix: false, what: "a count (examples: 64, 10%, infinity)");

    private static LimitValue Parse(string text, bool allowSuffix, string what)
    {
        string s = text.Trim();
        if (s == "infinity") return Infinity;
        if (s.EndsWith('%'))
        {
            if (double.TryParse(s[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double pct) && pct >= 0 && pct <= 100)
                return Percent((ulong)Math.Round(pct * 100));
            throw new UnitValueException($"'{text}' is not {what}");
        }
        double multiplier = 1;
        if (allowSuffix && s.Length > 0)
        {
            int idx = "KMGTPE".IndexOf(s[^1]);
            if (idx >= 0)
            {
                multiplier = Math.Pow(1024, idx + 1);
                s = s[..^1];
            }
        }
        if (s.Length == 0 || !double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) ||
            (!allowSuffix && s.Contains('.')))
            throw new UnitValueException($"'{text}' is not {what}");
        double total = n * multiplier;
        if (total >= ulong.MaxValue)
            throw new UnitValueException($"'{text}' is too large");
        return Absolute((ulong)total);
    }
}

public enum LimitKind { Absolute, Percent, Infinity }
