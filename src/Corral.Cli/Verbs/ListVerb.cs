using System.Text.Json;
using Corral.Daemon.Api;

namespace Corral.Cli.Verbs;

public static class ListVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("list", rest, new Dictionary<string, string>(), new HashSet<string> { "--json", "--all" });
        var list = client.Get("/v1/units", ApiJson.Default.UnitList);
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(list, ApiJson.Default.UnitList));
            return 0;
        }
        int w = Math.Max(4, list.Units.Select(u => u.Name.Length).DefaultIfEmpty(0).Max());
        Console.WriteLine($"{"UNIT".PadRight(w)} {"LOAD",-9} {"ACTIVE",-12} {"SUB",-13} DESCRIPTION");
        foreach (var u in list.Units)
            Console.WriteLine($"{u.Name.PadRight(w)} {u.LoadState,-9} {u.ActiveState,-12} {u.SubState,-13} {u.Description}");
        Console.WriteLine();
        Console.WriteLine($"{list.Units.Count} unit files listed.");
        return 0;
    }
}
