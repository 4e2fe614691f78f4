using System.Globalization;
using System.Text.Json;
using Corral.Core.Text;
using Corral.Core.Units;
using Corral.Daemon.Wire;
using Corral.Daemon.Notices;

namespace Corral.Cli.Verbs;

/// <summary>
/// corral events [--unit U] [--cause C[,C]] [--since TIME] [-n N] [-f] [--all] [--json] [--deaths | --notices]:
/// death records and notices (zombie thresholds, escapes, pid pressure, lost events) merged by time,
/// oldest first; -f follows new ones. The clean exits (status 0) of processes other than a unit's
/// main and control processes — a shell script's every date and sleep — are left out unless --all:
/// they are the bulk of the records and tell nothing went wrong. --cause keeps the deaths of those
/// causes (exit, signal, oom-kill, corral, kernel, seccomp, unknown) and no notices.
/// </summary>
internal static class EventsVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("events", rest,
            new Dictionary<string, string> { ["--unit"] = "--unit", ["-u"] = "--unit", ["--since"] = "--since", ["-S"] = "--since", ["-n"] = "-n", ["--cause"] = "--cause" },
            new HashSet<string> { "-f", "--follow", "--json", "--deaths", "--notices", "--all", "-a" });
        if (a.Positional.Count > 0) throw new CliError($"events: unexpected argument '{a.Positional[0]}'");
        if (a.Has("--deaths") && a.Has("--notices")) throw new CliError("events: --deaths and --notices exclude each other; give neither for both");
        string query = "";
        if (a.Get("--unit") is { } unit) query += $"&unit={ApiClient.Unit(unit)}";
        var causes = a.GetAll("--cause").SelectMany(c => c.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (var c in causes)
            if (!Core.Deaths.DeathCauseNames.All.Contains(c))
                throw new CliError($"events: --cause '{c}' is not one of {string.Join(", ", Core.Deaths.DeathCauseNames.All)}");
        if (causes.Count > 0 && a.Has("--notices")) throw new CliError("events: --cause selects deaths; it does not go with --notices");
        if (a.Get("--since") is { } since) query += $"&since-usec={Microseconds.Of(ParseSince(since))}";
        bool json = a.Has("--json"), follow = a.Has("-f") || a.Has("--follow");
        bool deaths = !a.Has("--notices"), notices = !a.Has("--deaths") && causes.Count == 0;
        string deathFilter = (causes.Count > 0 ? $"&cause={string.Join(',', causes)}" : "") + (a.Has("--all") || a.Has("-a") ? "" : "&hide-clean=1");

        // The newest N of each from the daemon, merged and printed oldest first; then follow from the newest ids.
        int limit = int.TryParse(a.Get("-n") ?? "1000", out int n) && n > 0 ? n : throw new CliError($"events: -n '{a.Get("-n")}' is not a positive number");
        long lastDeath = 0, lastNotice = 0;
        var first = Fetch(client, deaths, notices, $"limit={limit}{query}{deathFilter}", $"limit={limit}{query}", ref lastDeath, ref lastNotice);
        foreach (var e in first.Skip(Math.Max(0, first.Count - limit))) Print(e, json);
        while (follow)
        {
            Thread.Sleep(200);
            foreach (var e in Fetch(client, deaths, notices, $"after={lastDeath}&limit=1000{query}{deathFilter}", $"after={lastNotice}&limit=1000{query}", ref lastDeath, ref lastNotice))
                Print(e, json);
        }
        return 0;
    }

    private sealed record Event(DateTimeOffset At, DeathView? Death, Notice? Notice);

    private static List<Event> Fetch(ApiClient client, bool deaths, bool notices, string deathQuery, string noticeQuery, ref long lastDeath, ref long lastNotice)
    {
        var events = new List<Event>();
        if (deaths)
            foreach (var d in client.Get($"/v1/deaths?{deathQuery}", ApiJson.Default.DeathList).Deaths)
            {
                events.Add(new Event(d.EndedAt, d, null));
                lastDeath = Math.Max(lastDeath, d.Id);
            }
        if (notices)
            foreach (var x in client.Get($"/v1/notices?{noticeQuery}", ApiJson.Default.NoticeList).Notices)
            {
                events.Add(new Event(x.At, null, x));
                lastNotice = Math.Max(lastNotice, x.Id);
            }
        return events.OrderBy(e => e.At).ToList();
    }

    private static void Print(Event e, bool json)
    {
        if (e.Death is { } d)
        {
            if (json) Console.WriteLine(JsonSerializer.Serialize(d, ApiJson.Default.DeathView));
            else Console.WriteLine($"{TimeText.Line(d.EndedAt)} {d.Unit} {d.Cause,-8} {d.Sentence}");
        }
        else if (e.Notice is { } x)
        {
            if (json) Console.WriteLine(JsonSerializer.Serialize(x, ApiJson.Default.Notice));
            else Console.WriteLine($"{TimeText.Line(x.At)} {x.Unit ?? "(machine)"} {x.Kind} {x.Message}");
        }
        Console.Out.Flush();
    }

    /// <summary>"2026-11-21 10:05:00" (UTC), "10:05", "-10min", "10min ago", "today", "yesterday".</summary>
    public static DateTimeOffset ParseSince(string text)
    {
        string t = text.Trim();
        // Times are read as UTC, the zone every time is printed in.
        var today = new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero);
        if (t == "today") return today;
        if (t == "yesterday") return today.AddDays(-1);
        string? span = t.StartsWith('-') ? t[1..] : t.EndsWith(" ago", StringComparison.Ordinal) ? t[..^4] : null;
        if (span is not null && TimeSpanParser.TryParse(span, out var ago) && ago != TimeSpan.MaxValue) return DateTimeOffset.Now - ago;
        if (t.EndsWith(" UTC", StringComparison.Ordinal)) t = t[..^4];
        string[] formats = ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.fff", "yyyy-MM-dd HH:mm", "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "HH:mm:ss", "HH:mm"];
        if (DateTime.TryParseExact(t, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dt))
            return new DateTimeOffset(dt, TimeSpan.Zero);
        throw new CliError($"--since '{text}' is not a time (examples, in UTC: '2026-11-21 10:05', 10:05, -10min, '1h ago', today)");
    }
}
