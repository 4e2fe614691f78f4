using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// is-enabled UNIT...: each unit's enablement on a line (enabled, disabled, static), and exit 0 when
/// one of them is enabled or static, 1 otherwise, as systemctl answers; a unit that does not exist
/// is an error on stderr.
/// </summary>
internal static class IsEnabledVerb
{
    public static int Run(ApiClient client, string[] rest, Globals g)
    {
        var a = new CliArgs("is-enabled", rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count == 0) throw new CliError("is-enabled: name at least one unit");
        bool any = false;
        foreach (var unit in a.Positional)
        {
            var (code, body) = client.Send("GET", $"/v1/units/{ApiClient.Unit(unit)}");
            if (code == 404)
            {
                Console.Error.WriteLine($"corral: Failed to get unit file state for {Core.Units.UnitNames.Normalize(unit)}: not found");
                continue;
            }
            if (code != 200) throw ApiClient.ErrorFrom(code, body);
            string state = JsonSerializer.Deserialize(body, ApiJson.Default.UnitStatus)!.UnitFileState ?? "disabled";
            if (!g.Quiet) Console.WriteLine(state);
            any |= state is "enabled" or "static" or "alias";
        }
        return any ? 0 : 1;
    }
}
