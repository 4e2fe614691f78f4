using System.Globalization;
using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>corral logs UNIT [-n N] [-f] [--since TIME] [--json]: a service's output, like journalctl -u.</summary>
internal static class LogsVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("logs", rest,
            new Dictionary<string, string> { ["-n"] = "-n", ["--lines"] = "-n", ["--since"] = "--since", ["-S"] = "--since" },
            new HashSet<string> { "-f", "--follow", "--json" });
        if (a.Positional.Count != 1) throw new CliError("logs: give exactly one unit");
        string unit = ApiClient.Unit(a.Positional[0]);
        int lines = 1_000_000; // all, as journalctl -u
        if (a.Get("-n") is { } n && (!int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out lines) || lines < 1))
            throw new CliError($"logs: -n '{n}' is not a positive number of lines");
        string query = $"lines={lines}";
        if (a.Get("--since") is { } since) query += $"&since-usec={Core.Text.Microseconds.Of(EventsVerb.ParseSince(since))}";
        bool json = a.Has("--json"), follow = a.Has("-f") || a.Has("--follow");

        long last = 0;
        foreach (var l in Fetch(client, unit, query)) { Print(l, json); last = l.Usec; }
        while (follow)
        {
            Thread.Sleep(200);
            foreach (var l in Fetch(client, unit, last == 0 ? query : $"lines=100000&after-usec={last}")) { Print(l, json); last = l.Usec; }
        }
        return 0;
    }

    private static List<LogEntry> Fetch(ApiClient client, string unit, string query) =>
        client.Get($"/v1/units/{unit}/logs?{query}", ApiJson.Default.LogList).Lines;

    private static void Print(LogEntry l, bool json)
    {
        Console.WriteLine(json ? JsonSerializer.Serialize(l, ApiJson.Default.LogEntry)
            : $"{Core.Text.TimeText.Line(l.Time)} {l.Stream} {l.Message}");
        Console.Out.Flush();
    }
}
