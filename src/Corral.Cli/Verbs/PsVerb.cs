using System.Text.Json;
using Corral.Cli.Rendering;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// corral ps UNIT [--json]: the unit's processes as a tree, with state, user, RSS, OOM score and
/// adjustment, and start time; zombies marked. corral ps --machine [-n N] [--json]: the machine's
/// processes the OOM killer would pick first, highest oom_score first, each with its unit.
/// </summary>
internal static class PsVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("ps", rest, new Dictionary<string, string> { ["-n"] = "-n" }, new HashSet<string> { "--json", "--machine" });
        if (a.Has("--machine")) return Machine(client, a);
        if (a.Get("-n") is not null) throw new CliError("ps: -n goes with --machine");
        if (a.Positional.Count != 1) throw new CliError("ps: name one unit (or --machine for the machine's first OOM victims)");
        var s = client.Get($"/v1/units/{ApiClient.Unit(a.Positional[0])}?processes=1", ApiJson.Default.UnitStatus);
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(s, ApiJson.Default.UnitStatus));
            return 0;
        }
        Console.WriteLine($"{"STATE",-5} {"PID",7} {"PPID",7} {"USER",-10} {"RSS",6} {"OOM",5} {"ADJ",5} {"START",-12} COMMAND");
        foreach (var (p, prefix) in ProcessTree.Walk(s.Processes))
        {
            string start = p.StartedAt is { } t ? Core.Text.TimeText.Clock(t) : "?";
            string rss = p.RssKb is { } kb ? Units.Bytes((ulong)kb * 1024) : "?";
            Console.WriteLine(ProcessTree.Clip($"{p.State,-5} {p.Pid,7} {p.Ppid,7} {p.User ?? p.Uid?.ToString() ?? "?",-10} {rss,6} {Num(p.OomScore),5} {Num(p.OomScoreAdj),5} {start,-12} {prefix}{ProcessTree.Command(p)}", 250));
        }
        foreach (var z in s.Zombies) Console.WriteLine(ZombieLine(z));
        foreach (var e in s.Escaped) Console.WriteLine($"escaped: {e.Pid} ({e.Comm}) left the unit's cgroup, now in {e.Cgroup}");
        return 0;
    }

    private static int Machine(ApiClient client, CliArgs a)
    {
        if (a.Positional.Count > 0) throw new CliError("ps: --machine takes no unit");
        int n = 10;
        if (a.Get("-n") is { } text && (!int.TryParse(text, out n) || n < 1 || n > 1000))
            throw new CliError($"ps: -n '{text}' is not a number from 1 to 1000");
        var list = client.Get($"/v1/oom-candidates?limit={n}", ApiJson.Default.OomCandidateList);
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(list, ApiJson.Default.OomCandidateList));
            return 0;
        }
        Console.WriteLine("The processes the kernel's OOM killer would pick first, should memory run out (highest oom_score first):");
        Console.WriteLine($"{"OOM",5} {"ADJ",5} {"PID",7} {"USER",-10} {"RSS",6} {"UNIT",-24} COMMAND");
        foreach (var p in list.Processes)
            Console.WriteLine(ProcessTree.Clip($"{p.OomScore,5} {p.OomScoreAdj,5} {p.Pid,7} {p.User ?? "?",-10} {Units.Bytes((ulong)p.RssKb * 1024),6} {p.Unit ?? "(cgroup " + p.Cgroup + ")",-24} {p.Cmdline}", 250));
        return 0;
    }

    private static string Num(int? v) => v?.ToString() ?? "?";

    public static string ZombieLine(ZombieGroup z) =>
        $"zombies: {z.Count} exited {(z.Count == 1 ? "child" : "children")} of pid {z.ParentPid} ({z.ParentComm}) not reaped, the oldest for {Units.Ago(z.OldestSince).Replace(" ago", "")}";
}
