using System.Globalization;

namespace Corral.Cli.Rendering;

/// <summary>Numbers the way systemctl prints them.</summary>
internal static class Units
{
    /// <summary>Base-1024 with one decimal: "4.2M", "512B".</summary>
    public static string Bytes(ulong v)
    {
        string[] suffix = ["B", "K", "M", "G", "T", "P"];
        double d = v;
        int i = 0;
        while (d >= 1024 && i < suffix.Length - 1) { d /= 1024; i++; }
        return i == 0 ? $"{v}B" : d.ToString(d < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + suffix[i];
    }

    public static string Ago(DateTimeOffset t)
    {
        var d = DateTimeOffset.Now - t;
        if (d.TotalSeconds < 1) return $"{(int)d.TotalMilliseconds}ms ago";
        if (d.TotalMinutes < 1) return $"{(int)d.TotalSeconds}s ago";
        if (d.TotalHours < 1) return $"{(int)d.TotalMinutes}min {d.Seconds}s ago";
        if (d.TotalDays < 1) return $"{(int)d.TotalHours}h {d.Minutes}min ago";
        return $"{(int)d.TotalDays} days ago";
    }
}
