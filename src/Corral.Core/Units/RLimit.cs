namespace Corral.Core.Units;

/// <summary>What a Limit*= value is counted in (systemd.exec(5), "Process Properties").</summary>
public enum RLimitUnit { Count, Bytes, Seconds, Microseconds, Nice }

/// <summary>A soft and a hard resource limit; null stands for infinity.</summary>
public sealed record RLimit(ulong? Soft, ulong? Hard)
{
    /// <summary>Every Limit*= directive: the setrlimit(2) name without RLIMIT_, and what its value counts.</summary>
    public static readonly IReadOnlyDictionary<string, RLimitUnit> Directives = new Dictionary<string, RLimitUnit>
    {
        ["CPU"] = RLimitUnit.Seconds, ["FSIZE"] = RLimitUnit.Bytes, ["DATA"] = RLimitUnit.Bytes, ["STACK"] = RLimitUnit.Bytes,
        ["CORE"] = RLimitUnit.Bytes, ["RSS"] = RLimitUnit.Bytes, ["NOFILE"] = RLimitUnit.Count, ["AS"] = RLimitUnit.Bytes,
        ["NPROC"] = RLimitUnit.Count, ["MEMLOCK"] = RLimitUnit.Bytes, ["LOCKS"] = RLimitUnit.Count, ["SIGPENDING"] = RLimitUnit.Count,
        ["MSGQUEUE"] = RLimitUnit.Bytes, ["NICE"] = RLimitUnit.Nice, ["RTPRIO"] = RLimitUnit.Count, ["RTTIME"] = RLimitUnit.Microseconds,
    };

    /// <summary>
    /// "SOFT:HARD" or one value for both, each in the directive's unit: a count, a size ("64M"), a time
    /// ("2min" for LimitCPU= in seconds, "500ms" for LimitRTTIME= in µs), a nice level ("-5", "+10",
    /// taken as 20 - level) or a raw 0–40 for LimitNICE=; "infinity" for no limit.
    /// </summary>
    public static RLimit Parse(string text, RLimitUnit unit)
    {
        string[] parts = text.Split(':');
        if (parts.Length > 2 || text.Length == 0)
            throw new UnitValueException($"'{text}' is not a limit (examples: 1024, 1024:4096, infinity)");
        ulong? soft = One(parts[0], unit, text);
        ulong? hard = parts.Length == 2 ? One(parts[1], unit, text) : soft;
        if (soft is { } s && hard is { } h && s > h)
            throw new UnitValueException($"soft limit {s} is above hard limit {h}");
        return new RLimit(soft, hard);
    }

    private static ulong? One(string part, RLimitUnit unit, string whole)
    {
        switch (unit)
        {
            case RLimitUnit.Seconds or RLimitUnit.Microseconds:
                if (part == "infinity") return null;
                // A bare number is already in the directive's unit (seconds, or µs for LimitRTTIME=).
                if (ulong.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong bare)) return bare;
                TimeSpan t;
                try { t = TimeSpanParser.Parse(part); }
                catch (UnitValueException) { throw new UnitValueException($"'{whole}': '{part}' is not a time (examples: 30, 2min, infinity)"); }
                if (t == TimeSpan.MaxValue) return null;
                return unit == RLimitUnit.Seconds ? (ulong)Math.Ceiling(t.TotalSeconds) : (ulong)Text.Microseconds.Of(t);
            case RLimitUnit.Nice:
                if (part == "infinity") return null;
                bool level = part.StartsWith('-') || part.StartsWith('+');
                if (!int.TryParse(part, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int n)
                    || (level ? n < -20 || n > 19 : n < 0 || n > 40))
                    throw new UnitValueException($"'{whole}': '{part}' is neither a nice level -20…19 (with its sign) nor a raw limit 0…40");
                return (ulong)(level ? 20 - n : n);
            default:
                var v = unit == RLimitUnit.Bytes ? LimitValue.ParseBytes(part) : LimitValue.ParseCount(part);
                if (v.Kind == LimitKind.Percent)
                    throw new UnitValueException($"'{whole}': a resource limit cannot be a percentage");
                return v.Kind == LimitKind.Infinity ? null : v.Value;
        }
    }

    public static string FormatValue(ulong? v) => v is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "infinity";
}
