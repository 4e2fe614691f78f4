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

    public static string Ago(DateTimeOffset t) => Relative(DateTimeOffset.Now - t, "ago");

    /// <summary>"5min 3s left", as list-timers and status say how long until a timer's next elapse.</summary>
    public static string Left(DateTimeOffset t) => Relative(t - DateTimeOffset.Now, "left");

    /// <summary>systemd's relative times: the two largest units down to the minute, one below that ("1 day 3h", "2h 5min", "4min 10s", "40s").</summary>
    private static string Relative(TimeSpan d, string word)
    {
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        if (d.TotalDays >= 7)
        {
            int weeks = (int)(d.TotalDays / 7), days = (int)d.TotalDays % 7;
            return $"{weeks} week{(weeks == 1 ? "" : "s")} {days} day{(days == 1 ? "" : "s")} {word}";
        }
        if (d.TotalDays >= 2) return $"{(int)d.TotalDays} days {word}";
        if (d.TotalHours >= 25) return $"1 day {(int)(d.TotalHours - 24)}h {word}";
        if (d.TotalHours >= 6) return $"{(int)d.TotalHours}h {word}";
        if (d.TotalHours >= 1) return $"{(int)d.TotalHours}h {d.Minutes}min {word}";
        if (d.TotalMinutes >= 5) return $"{(int)d.TotalMinutes}min {word}";
        if (d.TotalMinutes >= 1) return $"{(int)d.TotalMinutes}min {d.Seconds}s {word}";
        if (d.TotalSeconds >= 1) return $"{(int)d.TotalSeconds}s {word}";
        return $"{(int)d.TotalMilliseconds}ms {word}";
    }
}
