using System.Text.Json;
using Corral.Cli.Rendering;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>list-sockets as systemctl prints it: one row per address of each active socket unit (--all: every loaded one), sorted by address.</summary>
internal static class ListSocketsVerb
{
    public static int Run(ApiClient client, string[] rest, Globals g)
    {
        var a = new CliArgs("list-sockets", rest, new Dictionary<string, string>(), new HashSet<string> { "--json", "--all", "-a" });
        bool all = a.Has("--all") || a.Has("-a");
        var list = client.Get("/v1/units", ApiJson.Default.UnitList);
        var sockets = list.Units
            .Where(u => u.Socket is not null && (all || u.ActiveState == "active")
                && (a.Positional.Count == 0 || a.Positional.Any(p => Glob.Matches(p.Contains('.') || p.IndexOfAny(['*', '?', '[']) >= 0 ? p : p + ".socket", u.Name))))
            .ToList();
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(list with { Units = sockets, Machine = null }, ApiJson.Default.UnitList));
            return 0;
        }
        var rows = sockets.SelectMany(u => u.Socket!.Listen.Select(l => new[] { l.Address, u.Name, u.Socket.Service }))
            .OrderBy(r => r[0], StringComparer.Ordinal).ToList();
        Table.Print(["LISTEN", "UNIT", "ACTIVATES"], rows, !g.NoLegend);
        if (g.NoLegend) return 0;
        Console.WriteLine();
        Console.WriteLine($"{rows.Count} sockets listed.");
        if (!all) Console.WriteLine("Pass --all to see loaded but inactive sockets, too.");
        return 0;
    }
}
