namespace Corral.Core.Units;

/// <summary>A soft and a hard resource limit; null stands for infinity.</summary>
public sealed record RLimit(ulong? Soft, ulong? Hard)
{
    public static string FormatValue(ulong? v) => v is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "infinity";

    /// <summary>"1024", "1024:4096", "infinity", "64M" (sizes allowed when <paramref name="sizes"/>).</summary>
    public static RLimit Parse(string text, bool sizes)
    {
        string[] parts = text.Split(':');
        if (parts.Length > 2)
            throw new UnitValueException($"'{text}' is not a limit (examples: 1024, 1024:4096, infinity)");
        ulong? soft = One(parts[0], sizes, text);
        ulong? hard = parts.Length == 2 ? One(parts[1], sizes, text) : soft;
        if (soft is { } s && hard is { } h && s > h)
            throw new UnitValueException($"soft limit {s} is above hard limit {h}");
        return new RLimit(soft, hard);
    }

    private static ulong? One(string part, bool sizes, string whole)
    {
        var v = sizes ? LimitValue.ParseBytes(part) : LimitValue.ParseCount(part);
        if (v.Kind == LimitKind.Percent)
            throw new UnitValueException($"'{whole}': a resource limit cannot be a percentage");
        return v.Kind == LimitKind.Infinity ? null : v.Value;
    }
}
