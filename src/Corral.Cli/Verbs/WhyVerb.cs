using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>corral why UNIT [-n N] [--all] [--json]: the last death(s) of the main process (or of any process) and why.</summary>
internal static class WhyVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("why", rest, new Dictionary<string, string> { ["-n"] = "-n", ["--lines"] = "-n" }, new HashSet<string> { "--all", "--json" });
        if (a.Positional.Count != 1) throw new CliError("why: name one unit");
        string n = a.Get("-n") ?? "1";
        if (!int.TryParse(n, out int count) || count < 1) throw new CliError($"why: -n '{n}' is not a positive number");
        string unit = ApiClient.Unit(a.Positional[0]);
        // The unit must exist: a typo should not read as "nothing died".
        var (code, body) = client.Send("GET", $"/v1/units/{unit}");
        if (code != 200) throw ApiClient.ErrorFrom(code, body);

        var list = client.Get($"/v1/deaths?unit={unit}&limit={count}{(a.Has("--all") ? "" : "&role=main")}", ApiJson.Default.DeathList);
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(list, ApiJson.Default.DeathList));
            return 0;
        }
        if (list.Deaths.Count == 0)
        {
            Console.WriteLine($"no death of {(a.Has("--all") ? "any process" : "the main process")} of {Uri.UnescapeDataString(unit)} is recorded");
            return 0;
        }
        foreach (var d in list.Deaths) Print(d);
        return 0;
    }

    public static void Print(DeathView d)
    {
        Console.WriteLine(d.Sentence);
        if (d.Cmdline is { Length: > 0 }) Console.WriteLine($"  command: {d.Cmdline}");
        Console.WriteLine($"  status:  {d.Code} {(d.Signal ?? d.Status.ToString())}{(d.Code == "exited" ? "" : $" (signal {d.Status})")}");
        Console.WriteLine($"  cause:   {d.Cause}{(d.Reason is null ? "" : $" — {d.Reason}")}");
        foreach (var k in d.CorralSignals)
            Console.WriteLine($"  corral:  {Core.Text.TimeText.ClockMs(k.At)} {k.Signal} for '{k.Verb}'{(k.CallerUid is { } uid ? $" asked by uid {uid}" : "")}: {k.Reason}");
        if (d.Sender is { } s) Console.WriteLine($"  sender:  pid {s.Pid} ({s.Comm}){(s.Uid is { } u ? $" uid {u}" : "")}{(s.User is null ? "" : $" ({s.User})")}{(s.Unit is null ? "" : $" of {s.Unit}")}");
    }
}
