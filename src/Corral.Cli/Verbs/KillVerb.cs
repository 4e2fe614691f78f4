using Corral.Core.Killing;
using Corral.Core.Signals;

namespace Corral.Cli.Verbs;

public static class KillVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("kill", rest,
            new Dictionary<string, string> { ["-s"] = "--signal", ["--signal"] = "--signal", ["--kill-whom"] = "--kill-whom", ["--kill-who"] = "--kill-whom" },
            new HashSet<string>());
        if (a.Positional.Count == 0) throw new CliError("kill: name at least one unit");
        string sigText = a.Get("--signal") ?? "SIGTERM";
        if (!SignalNames.TryParse(sigText, out int sig))
            throw new CliError($"kill: '{sigText}' is not a signal: use a number 1-64, a name like TERM or SIGTERM (case-sensitive), or RTMIN+N");
        string whomText = a.Get("--kill-whom") ?? "all";
        if (!KillModeNames.TryParseWhom(whomText, out _))
            throw new CliError($"kill: --kill-whom '{whomText}' is not one of main, control, all");
        int exit = 0;
        foreach (var unit in a.Positional)
        {
            var (status, body) = client.Send("POST", $"/v1/units/{ApiClient.Unit(unit)}/kill?signal={sig}&whom={whomText}");
            if (status != 200)
            {
                Console.Error.WriteLine($"corral: {ApiClient.ErrorFrom(status, body).Message}");
                exit = status == 403 ? 4 : 1;
            }
        }
        return exit;
    }
}
