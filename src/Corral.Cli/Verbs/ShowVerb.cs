namespace Corral.Cli.Verbs;

/// <summary>
/// systemctl show: the daemon renders the properties, the CLI prints them. Keeping the CLI to
/// "connect, send, print" keeps its start-up short (docs/benchmarks.md, CLI round trip).
/// </summary>
internal static class ShowVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("show", rest,
            new Dictionary<string, string> { ["-p"] = "--property", ["--property"] = "--property" },
            new HashSet<string> { "--value", "--json" });
        if (a.Positional.Count == 0) throw new CliError("show: name a unit");
        string wanted = string.Join(',', a.GetAll("--property").SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries)));
        string query = $"?p={Uri.EscapeDataString(wanted)}{(a.Has("--value") ? "&value" : "")}{(a.Has("--json") ? "&json" : "")}";
        for (int i = 0; i < a.Positional.Count; i++)
        {
            var (status, body) = client.Send("GET", $"/v1/units/{ApiClient.Unit(a.Positional[i])}/properties{query}");
            if (status != 200) throw ApiClient.ErrorFrom(status, body);
            if (i > 0 && !a.Has("--json")) Console.Out.Write('\n');
            Console.Out.Write(a.Has("--json") ? body + "\n" : body);
        }
        return 0;
    }
}
