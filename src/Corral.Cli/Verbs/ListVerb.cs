using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// list-units as systemctl has it: the units that are active, failed, changing state or that did
/// not load, unless --all; narrowed by glob patterns on the name and by --state= (load, active or
/// sub state). <c>list</c> is <c>list-units --all</c>.
/// </summary>
internal static class ListVerb
{
    public static int Run(ApiClient client, string verb, string[] rest, Globals g)
    {
        var a = new CliArgs(verb, rest, new Dictionary<string, string> { ["--state"] = "--state", ["-t"] = "--type", ["--type"] = "--type" },
            new HashSet<string> { "--json", "--all", "-a" });
        var types = a.GetAll("--type").SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        foreach (var t in types)
            if (t is not ("service" or "target" or "timer" or "socket"))
                throw new CliError($"{verb}: --type '{t}': corral has service, target, timer and socket units only");
        var states = a.GetAll("--state").SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        bool all = a.Has("--all") || a.Has("-a") || states.Count > 0 || a.Positional.Count > 0;
        var list = client.Get("/v1/units", ApiJson.Default.UnitList);
        var units = list.Units.Where(u =>
            (all || Listed(u))
            && (types.Count == 0 || types.Contains(u.Name[(u.Name.LastIndexOf('.') + 1)..]))
            && (states.Count == 0 || states.Contains(u.LoadState) || states.Contains(u.ActiveState) || states.Contains(u.SubState))
            && (a.Positional.Count == 0 || a.Positional.Any(p => Glob.Matches(PatternOf(p), u.Name)))).ToList();
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(list with { Units = units }, ApiJson.Default.UnitList));
            return 0;
        }
        int w = Math.Max(4, units.Select(u => u.Name.Length).DefaultIfEmpty(0).Max());
        if (!g.NoLegend) Console.WriteLine($"{"UNIT".PadRight(w)} {"LOAD",-9} {"ACTIVE",-12} {"SUB",-13} DESCRIPTION");
        foreach (var u in units)
        {
            // A unit that did not load says why where its description would be.
            string description = u.LoadState == "error" ? $"error: {u.LoadError}" : u.Description;
            Console.WriteLine($"{u.Name.PadRight(w)} {u.LoadState,-9} {u.ActiveState,-12} {u.SubState,-13} {description}");
        }
        if (g.NoLegend) return 0;
        Console.WriteLine();
        Console.WriteLine("LOAD   = whether the unit file loaded (error: it has an error, the message says which)");
        Console.WriteLine("ACTIVE = the unit's state: active, reloading, inactive, failed, activating, deactivating");
        Console.WriteLine("SUB    = the service's own state: running, exited, dead, start-pre, stop-sigterm …");
        Console.WriteLine();
        Console.WriteLine(all
            ? $"{units.Count} units listed."
            : $"{units.Count} units listed. Pass --all to see loaded but inactive units, too.");
        return 0;
    }

    /// <summary>Without --all, systemctl leaves out what is loaded and idle.</summary>
    private static bool Listed(UnitStatus u) => u.LoadState != "loaded" || u.ActiveState != "inactive";

    /// <summary>"web" is web.service, as for every verb; a pattern with a glob or a dot is taken as written.</summary>
    public static string PatternOf(string p) => p.IndexOfAny(['*', '?', '[', '.']) >= 0 ? p : p + ".service";
}
