using Corral.Core.Killing;
using Corral.Core.Signals;

namespace Corral.Cli.Verbs;

internal static class KillVerb
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
        return client.PostEach(a.Positional.Select(u => $"/v1/units/{ApiClient.Unit(u)}/kill?signal={sig}&whom={whomText}").ToList(), VerbKind.Signal);
    }
}
