using System.Globalization;
using System.Text.Json;
using Corral.Core.Units;
using Corral.Daemon.Api;

namespace Corral.Cli.Verbs;

/// <summary>corral events [--unit U] [--since TIME] [-f] [--json]: death records, oldest first; -f follows new ones.</summary>
public static class EventsVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("events", rest,
            new Dictionary<string, string> { ["--unit"] = "--unit", ["-u"] = "--unit", ["--since"] = "--since", ["-S"] = "--since", ["-n"] = "-n" },
            new HashSet<string> { "-f", "--follow", "--json" });
        if (a.Positional.Count > 0) throw new CliError($"events: unexpected argument '{a.Positional[0]}'");
        string query = "";
        if (a.Get("--unit") is { } unit) query += $"&unit={ApiClient.Unit(unit)}";
        if (a.Get("--since") is { } since) query += $"&since-usec={(ParseSince(since).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10}";
        bool json = a.Has("--json"), follow = a.Has("-f") || a.Has("--follow");

        // Newest N first from the daemon, printed oldest first; then follow from the newest id.
        int limit = int.TryParse(a.Get("-n") ?? "1000", out int n) && n > 0 ? n : throw new CliError($"events: -n '{a.Get("-n")}' is not a positive number");
        var first = client.Get($"/v1/deaths?limit={limit}{query}", ApiJson.Default.DeathList).Deaths;
        first.Reverse();
        long last = 0;
        foreach (var d in first) { Print(d, json); last = d.Id; }
        while (follow)
        {
            Thread.Sleep(200);
            foreach (var d in client.Get($"/v1/deaths?after={last}&limit=1000{query}", ApiJson.Default.DeathList).Deaths)
            {
                Print(d, json);
                last = d.Id;
            }
        }
        return 0;
    }

    private static void Print(DeathView d, bool json)
    {
        if (json) Console.WriteLine(JsonSerializer.Serialize(d, ApiJson.Default.DeathView));
        else Console.WriteLine($"{d.EndedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss.fff} {d.Unit} {d.Cause,-8} {d.Sentence}");
        Console.Out.Flush();
    }

    /// <summary>"2026-11-21 10:05:00", "10:05", "-10min", "10min ago", "today", "yesterday".</summary>
    public static DateTimeOffset ParseSince(string text)
    {
        string t = text.Trim();
        if (t == "today") return DateTimeOffset.Now.Date;
        if (t == "yesterday") return DateTimeOffset.Now.Date.AddDays(-1);
        string? span = t.StartsWith('-') ? t[1..] : t.EndsWith(" ago", StringComparison.Ordinal) ? t[..^4] : null;
        if (span is not null && TimeSpanParser.TryParse(span, out var ago) && ago != TimeSpan.MaxValue) return DateTimeOffset.Now - ago;
        string[] formats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "HH:mm:ss", "HH:mm"];
        if (DateTime.TryParseExact(t, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var dt)) return dt;
        throw new CliError($"events: --since '{text}' is not a time (examples: '2026-11-21 10:05', 10:05, -10min, '1h ago', today)");
    }
}
