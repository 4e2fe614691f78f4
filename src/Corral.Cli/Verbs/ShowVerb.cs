using System.Text.Json;
using Corral.Cli.Rendering;
using Corral.Daemon.Api;

namespace Corral.Cli.Verbs;

public static class ShowVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("show", rest,
            new Dictionary<string, string> { ["-p"] = "--property", ["--property"] = "--property" },
            new HashSet<string> { "--value", "--json" });
        if (a.Positional.Count == 0) throw new CliError("show: name a unit");
        var wanted = a.GetAll("--property").SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToList();
        bool first = true;
        foreach (var unit in a.Positional)
        {
            var status = client.Get($"/v1/units/{ApiClient.Unit(unit)}", ApiJson.Default.UnitStatus);
            var props = Properties.Of(status);
            if (wanted.Count > 0)
                props = wanted.Select(w => props.FirstOrDefault(p => p.Key == w)).Where(p => p.Key is not null).ToList();
            if (a.Has("--json"))
            {
                Console.WriteLine(JsonSerializer.Serialize(props.ToDictionary(p => p.Key, p => p.Value), ShowJson.Default.DictionaryStringString));
                continue;
            }
            if (!first) Console.WriteLine();
            first = false;
            foreach (var p in props) Console.WriteLine(a.Has("--value") ? p.Value : $"{p.Key}={p.Value}");
        }
        return 0;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ShowJson : System.Text.Json.Serialization.JsonSerializerContext;
