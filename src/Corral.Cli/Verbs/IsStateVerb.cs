using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// is-active and is-failed, for scripts, as systemctl has them: each unit's active state on a line
/// (none with -q), and the exit status says whether any of the units is in the state asked about —
/// is-active: 0 when one is active or reloading, 3 otherwise; is-failed: 0 when one has failed, 1
/// otherwise; 4 when none of the units exists (LSB's "status unknown", as systemctl 252 answers). A unit
/// that does not exist prints "inactive", as systemctl prints it. A daemon that cannot be reached is an
/// error (exit 1, one line on stderr), never a state. activating is not active: systemctl's own list of
/// good states is active and reloading.
/// </summary>
internal static class IsStateVerb
{
    public static int Run(ApiClient client, string verb, string[] rest, Globals g)
    {
        var a = new CliArgs(verb, rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count == 0) throw new CliError($"{verb}: name at least one unit");
        bool any = false, allMissing = true;
        foreach (var unit in a.Positional)
        {
            var (code, body) = client.Send("GET", $"/v1/units/{ApiClient.Unit(unit)}");
            string state;
            if (code == 404) state = "inactive";
            else if (code != 200) throw ApiClient.ErrorFrom(code, body);
            else
            {
                state = System.Text.Json.JsonSerializer.Deserialize(body, ApiJson.Default.UnitStatus)!.ActiveState;
                allMissing = false;
            }
            if (!g.Quiet) Console.WriteLine(state);
            any |= verb == "is-active" ? state is "active" or "reloading" : state == "failed";
        }
        return any ? 0 : allMissing ? 4 : verb == "is-active" ? 3 : 1;
    }
}
