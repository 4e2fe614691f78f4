using System.Text.Json;
using Corral.Cli.Rendering;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// list-timers as systemctl prints it: each active timer (--all: every loaded one) with its next
/// elapse and how long until it, its last trigger and how long ago, and the unit it starts; soonest
/// first, those with nothing to elapse last.
/// </summary>
internal static class ListTimersVerb
{
    public static int Run(ApiClient client, string[] rest, Globals g)
    {
        var a = new CliArgs("list-timers", rest, new Dictionary<string, string>(), new HashSet<string> { "--json", "--all", "-a" });
        bool all = a.Has("--all") || a.Has("-a");
        var list = client.Get("/v1/units", ApiJson.Default.UnitList);
        var timers = list.Units
            .Where(u => u.Timer is not null && (all || u.ActiveState == "active")
                && (a.Positional.Count == 0 || a.Positional.Any(p => Glob.Matches(p.Contains('.') || p.IndexOfAny(['*', '?', '[']) >= 0 ? p : p + ".timer", u.Name))))
            .OrderBy(u => u.Timer!.NextElapse ?? DateTimeOffset.MaxValue).ThenBy(u => u.Name, StringComparer.Ordinal).ToList();
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(list with { Units = timers, Machine = null }, ApiJson.Default.UnitList));
            return 0;
        }
        var rows = timers.Select(u => new[]
        {
            u.Timer!.NextElapse is { } n ? Core.Text.TimeText.Stamp(n) : "-",
            u.Timer.NextElapse is { } n2 ? Units.Left(n2) : "-",
            u.Timer.LastTrigger is { } l ? Core.Text.TimeText.Stamp(l) : "-",
            u.Timer.LastTrigger is { } l2 ? Units.Ago(l2) : "-",
            u.Name,
            u.Timer.Unit,
        }).ToList();
        Table.Print(["NEXT", "LEFT", "LAST", "PASSED", "UNIT", "ACTIVATES"], rows, !g.NoLegend);
        if (g.NoLegend) return 0;
        Console.WriteLine();
        Console.WriteLine($"{rows.Count} timers listed.");
        if (!all) Console.WriteLine("Pass --all to see loaded but inactive timers, too.");
        return 0;
    }
}
