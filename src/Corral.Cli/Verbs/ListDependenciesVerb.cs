using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// list-dependencies UNIT [--reverse] [--all]: the tree of what the unit pulls in (or, --reverse,
/// what pulls it in), drawn as systemctl draws it — a filled dot for an active unit, an empty one
/// otherwise, targets expanded (every unit with --all).
/// </summary>
internal static class ListDependenciesVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("list-dependencies", rest, new Dictionary<string, string>(), new HashSet<string> { "--reverse", "--all", "--json" });
        string unit = a.Positional.Count switch
        {
            0 => "default.target",
            1 => a.Positional[0],
            _ => throw new CliError("list-dependencies: name one unit"),
        };
        string query = (a.Has("--reverse") ? "&reverse=1" : "") + (a.Has("--all") ? "&all=1" : "");
        var tree = client.Get($"/v1/units/{ApiClient.Unit(unit)}/dependencies{(query.Length > 0 ? "?" + query[1..] : "")}", ApiJson.Default.DependencyNode);
        if (a.Has("--json"))
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(tree, ApiJson.Default.DependencyNode));
            return 0;
        }
        Console.WriteLine(tree.Unit);
        Draw(tree.Children, "");
        return 0;
    }

    private static void Draw(List<DependencyNode> nodes, string indent)
    {
        for (int i = 0; i < nodes.Count; i++)
        {
            bool last = i == nodes.Count - 1;
            var n = nodes[i];
            string dot = n.ActiveState is "active" or "reloading" ? "●" : "○";
            Console.WriteLine($"{dot} {indent}{(last ? "└─" : "├─")}{n.Unit}");
            Draw(n.Children, indent + (last ? "  " : "│ "));
        }
    }
}
