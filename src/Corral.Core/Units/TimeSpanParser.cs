using System.Globalization;

namespace Corral.Core.Units;

/// <summary>
/// systemd time spans (systemd.time(7)): "90" (seconds), "1min 30s", "1min30s", "500ms",
/// "1.5h", "infinity". Infinity is <see cref="TimeSpan.MaxValue"/>.
/// </summary>
public static class TimeSpanParser
{
    private static readonly (string Suffix, double Microseconds)[] Units =
    [
        ("usec", 1), ("us", 1), ("µs", 1), ("μs", 1),
        ("msec", 1e3), ("ms", 1e3),
        ("seconds", 1e6), ("second", 1e6), ("sec", 1e6), ("s", 1e6),
        ("minutes", 60e6), ("minute", 60e6), ("min", 60e6), ("m", 60e6),
        ("hours", 3600e6), ("hour", 3600e6), ("hr", 3600e6), ("h", 3600e6),
        ("days", 86400e6), ("day", 86400e6), ("d", 86400e6),
        ("weeks", 604800e6), ("week", 604800e6), ("w", 604800e6),
        ("months", 2629800e6), ("month", 2629800e6), ("M", 2629800e6),
        ("years", 31557600e6), ("year", 31557600e6), ("y", 31557600e6),
    ];

    public static TimeSpan Parse(string text)
    {
        if (!TryParse(text, out var value))
            throw new UnitValueException($"'{text}' is not a time span (examples: 90, 1min 30s, 500ms, infinity)");
        return value;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = default;
        string s = text.Trim();
        if (s == "infinity")
        {
            value = TimeSpan.MaxValue;
            return true;
        }
        if (s.Length == 0)
            return false;

        double totalUs = 0;
        int i = 0;
        bool any = false;
        while (i < s.Length)
        {
            while (i < s.Length && s[i] == ' ') i++;
            if (i == s.Length) break;
            int start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
            if (start == i) return false;
            if (!double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number))
                return false;
            while (i < s.Length && s[i] == ' ') i++;
            int unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != ' ' && s[i] != '.') i++;
            string unit = s[unitStart..i];
            double factor;
            if (unit.Length == 0)
                factor = 1e6; // a bare number is seconds
            else
            {
                factor = 0;
                foreach (var (suffix, us) in Units)
                    if (suffix == unit) { factor = us; break; }
                if (factor == 0) return false;
            }
            totalUs += number * factor;
            any = true;
        }
        if (!any || totalUs > TimeSpan.MaxValue.Ticks / 10.0) return false;
        value = TimeSpan.FromTicks((long)Math.Round(totalUs * 10));
        return true;
    }

    /// <summary>Formats as systemd prints spans in <c>show</c>-like contexts ("1min 30s", "infinity").</summary>
    public static string Format(TimeSpan span)
    {
        if (span == TimeSpan.MaxValue) return "infinity";
        if (span == TimeSpan.Zero) return "0";
        var parts = new List<string>();
        long us = span.Ticks / 10;
        (long Us, string Name)[] units = [(86400_000_000, "d"), (3600_000_000, "h"), (60_000_000, "min"), (1_000_000, "s"), (1000, "ms"), (1, "us")];
        foreach (var (u, name) in units)
        {
            if (us >= u)
            {
                parts.Add($"{us / u}{name}");
                us %= u;
            }
        }
        return string.Join(' ', parts);
    }
}
