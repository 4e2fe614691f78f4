using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// enable, disable, reenable UNIT... [--now]: the daemon makes or removes the links of the units'
/// [Install] in its own state, and each change is said on stderr as systemctl says it; --now then
/// starts (enable) or stops (disable) the units too.
/// </summary>
internal static class EnableVerb
{
    public static int Run(ApiClient client, string verb, string[] rest)
    {
        var a = new CliArgs(verb, rest, new Dictionary<string, string>(), new HashSet<string> { "--now" });
        if (a.Positional.Count == 0) throw new CliError($"{verb}: name at least one unit");
        int exit = client.PostEach(a.Positional.Select(u => $"/v1/units/{ApiClient.Unit(u)}/{verb}").ToList(), VerbKind.Job, (_, body) => Say(body));
        if (exit != 0 || !a.Has("--now")) return exit;
        string then = verb == "disable" ? "stop" : verb == "reenable" ? "restart" : "start";
        return client.PostEach(a.Positional.Select(u => $"/v1/units/{ApiClient.Unit(u)}/{then}").ToList(), VerbKind.Job, (_, body) => Say(body));
    }

    /// <summary>set-default TARGET: default.target becomes that target, in the daemon's own state.</summary>
    public static int SetDefault(ApiClient client, string[] rest)
    {
        var a = new CliArgs("set-default", rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count != 1) throw new CliError("set-default: name one target (example: corral set-default multi-user.target)");
        return client.PostEach([$"/v1/default-target/{Uri.EscapeDataString(Target(a.Positional[0]))}"], VerbKind.Job, (_, body) => Say(body));
    }

    public static int GetDefault(ApiClient client, string[] rest)
    {
        _ = new CliArgs("get-default", rest, new Dictionary<string, string>(), new HashSet<string>());
        Console.WriteLine(client.Get("/v1/default-target", ApiJson.Default.DefaultTarget).Target);
        return 0;
    }

    /// <summary>A target named without its suffix ("rescue") is the target's.</summary>
    public static string Target(string name) => name.EndsWith(".target", StringComparison.Ordinal) ? name : name + ".target";

    private static void Say(string body)
    {
        var r = JsonSerializer.Deserialize(body, ApiJson.Default.JobResponse)!;
        foreach (var c in r.Changes ?? []) Console.Error.WriteLine(c);
        foreach (var w in r.Warnings ?? []) Console.Error.WriteLine($"corral: warning: {w}");
    }
}
