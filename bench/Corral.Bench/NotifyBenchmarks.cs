using System.Diagnostics;

namespace Corral.Bench;

/// <summary>
/// Issue #14, item 1: what readiness notification costs a start, beside a simple service started
/// by the same daemon in the same run; and what a service that floods the notification socket
/// costs the daemon.
/// </summary>
internal static class NotifyBenchmarks
{
    /// <summary>Start then stop a Type=simple and a Type=notify service (READY=1 at its first instruction), alternately.</summary>
    public static void StartToReady(string repo, string workload, int rounds)
    {
        using var d = new BenchDaemon(repo, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "simple.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} sleep\n");
            File.WriteAllText(Path.Combine(dir, "notify.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=notify\nExecStart={workload} notify send:READY=1 hang\n");
        });
        var simple = new List<double>();
        var notify = new List<double>();
        for (int r = 0; r < rounds; r++)
            foreach (var (unit, times) in new[] { ("simple", simple), ("notify", notify) })
            {
                var sw = Stopwatch.StartNew();
                d.Post(unit, "start"); // returns once it runs: for notify, once READY=1 is handled
                times.Add(sw.Elapsed.TotalMilliseconds);
                d.Post(unit, "stop");
            }
        double s = Stats.Median(simple), n = Stats.Median(notify);
        Console.WriteLine($"start-to-ready: Type=simple start median {Stats.Ms(s)} ms; Type=notify start to READY=1 median {Stats.Ms(n)} ms; overhead {Stats.Ms(n - s)} ms ({rounds} each)");
    }

    /// <summary>A service sends STATUS= as fast as it can for a few seconds: the daemon's CPU and memory meanwhile, and whether it still answers.</summary>
    public static void StatusFlood(string repo, string workload, int seconds)
    {
        using var d = new BenchDaemon(repo, dir =>
            File.WriteAllText(Path.Combine(dir, "flood.service"), $"[Service]\nType=notify\nExecStart={workload} notify send:READY=1 status-flood:{seconds * 1000} hang\n"));
        long rss0 = ProcStatus.RssKb(d.Pid);
        long cpu0 = d.CpuTicks();
        var sw = Stopwatch.StartNew();
        d.Post("flood", "start");
        var answers = new List<double>();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            var one = Stopwatch.StartNew();
            d.Api.Send("GET", "/v1/units/flood.service");
            answers.Add(one.Elapsed.TotalMilliseconds);
            Thread.Sleep(100);
        }
        double cpu = (d.CpuTicks() - cpu0) / 100.0 / sw.Elapsed.TotalSeconds;
        long rss1 = ProcStatus.RssKb(d.Pid);
        var (_, body) = d.Api.Send("GET", "/v1/units/flood.service");
        Console.WriteLine($"status-flood: {seconds} s of STATUS= as fast as one process sends: daemon CPU {cpu * 100:F0} % of a core; VmRSS {rss0 / 1024.0:F1} → {rss1 / 1024.0:F1} MiB; status answered in median {Stats.Ms(Stats.Median(answers))} ms, worst {Stats.Ms(answers.Max())} ms");
        Console.WriteLine($"  last status: {System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("statusText").GetString()}");
    }
}
