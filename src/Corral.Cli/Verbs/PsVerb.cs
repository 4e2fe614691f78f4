using System.Text.Json;
using Corral.Cli.Rendering;
using Corral.Daemon.Api;

namespace Corral.Cli.Verbs;

/// <summary>corral ps UNIT [--json]: the unit's processes as a tree, with state, user, RSS and start time; zombies marked.</summary>
public static class PsVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("ps", rest, new Dictionary<string, string>(), new HashSet<string> { "--json" });
        if (a.Positional.Count != 1) throw new CliError("ps: name one unit");
        var s = client.Get($"/v1/units/{ApiClient.Unit(a.Positional[0])}?processes=1", ApiJson.Default.UnitStatus);
        if (a.Has("--json"))
        {
            Console.WriteLine(JsonSerializer.Serialize(s, ApiJson.Default.UnitStatus));
            return 0;
        }
        Console.WriteLine($"{"STATE",-5} {"PID",7} {"PPID",7} {"USER",-10} {"RSS",6} {"START",-8} COMMAND");
        foreach (var (p, prefix) in ProcessTree.Walk(s.Processes))
        {
            string start = p.StartedAt is { } t ? t.ToLocalTime().ToString("HH:mm:ss") : "?";
            string rss = p.RssKb is { } kb ? Units.Bytes((ulong)kb * 1024) : "?";
            Console.WriteLine(ProcessTree.Clip($"{p.State,-5} {p.Pid,7} {p.Ppid,7} {p.User ?? p.Uid?.ToString() ?? "?",-10} {rss,6} {start,-8} {prefix}{ProcessTree.Command(p)}", 250));
        }
        foreach (var z in s.Zombies) Console.WriteLine(ZombieLine(z));
        foreach (var e in s.Escaped) Console.WriteLine($"escaped: {e.Pid} ({e.Comm}) left the unit's cgroup, now in {e.Cgroup}");
        return 0;
    }

    public static string ZombieLine(ZombieGroup z) =>
        $"zombies: {z.Count} exited {(z.Count == 1 ? "child" : "children")} of pid {z.ParentPid} ({z.ParentComm}) not reaped, the oldest for {Units.Ago(z.OldestSince).Replace(" ago", "")}";
}
