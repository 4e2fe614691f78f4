using System.Diagnostics;
using System.Globalization;
using Corral.Daemon.Api;

namespace Corral.Bench;

/// <summary>
/// Issue #4's cost figures: what supervising 1000 processes costs the daemon at rest, with the health
/// monitor looking every second and (beside it) with the monitor all but off; and whether a fork storm
/// loses process events (every fork made by the workload must come back as a death record).
/// </summary>
public static class MonitorBenchmarks
{
    private const int Services = 10, PerService = 100;

    public static void AtRest(string repo, string workload, int runs)
    {
        var idle = Share(repo, workload, runs, services: 0, "idle daemon, no services", []);
        var on = Share(repo, workload, runs, Services, "10 services x 100 processes, monitor every 1s", []);
        var off = Share(repo, workload, runs, Services, "10 services x 100 processes, monitor every 1h", ["--monitor-interval", "1h"]);
        Console.WriteLine($"monitor-at-rest: daemon CPU median {Pct(on)} of one core with 1000 processes (monitor 1s); {Pct(off)} with the monitor off; {Pct(idle)} idle with no services");
    }

    /// <summary>Median CPU share of one core over <paramref name="runs"/> windows of 10 s, after 5 s to settle.</summary>
    private static double Share(string repo, string workload, int runs, int services, string label, string[] args)
    {
        using var d = new BenchDaemon(repo, dir =>
        {
            for (int s = 0; s < services; s++)
                File.WriteAllText(Path.Combine(dir, $"rest{s}.service"), $"[Service]\nExecStart={workload} pool {PerService - 1}\n");
        }, args);
        for (int s = 0; s < services; s++)
        {
            d.Post($"rest{s}", "start");
            while (d.Cgroups.ReadPids(d.Cgroups.For($"rest{s}.service")).Count < PerService) Thread.Sleep(5);
        }
        Thread.Sleep(5000);
        var shares = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            long t0 = d.CpuTicks();
            var sw = Stopwatch.StartNew();
            Thread.Sleep(10_000);
            shares.Add((d.CpuTicks() - t0) / 100.0 / sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine($"  {label}: runs {string.Join(' ', shares.Select(Pct))}");
        return Stats.Median(shares);
    }

    /// <summary>A 5 s fork storm (children living 100 ms, TasksMax=500): forks made against death records written, and the connector's overruns.</summary>
    public static void ForkStorm(string repo, string workload, int runs)
    {
        for (int r = 0; r < runs; r++)
        {
            using var d = new BenchDaemon(repo, dir =>
                File.WriteAllText(Path.Combine(dir, "storm.service"), $"[Service]\nType=oneshot\nExecStart={workload} forkstorm 5\nTasksMax=500\nTimeoutStartSec=60\n"));
            long cpu0 = d.CpuTicks();
            var sw = Stopwatch.StartNew();
            d.Post("storm", "start");
            double stormSeconds = sw.Elapsed.TotalSeconds;
            string log = File.ReadAllText(Path.Combine(d.Dir, "state", "logs", "storm.service.log"));
            long forked = long.Parse(log.Split("forkstorm: ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
            // Records trail the storm: count them once the number has not moved for 2 s.
            int records = -1;
            for (var settle = Stopwatch.StartNew(); settle.Elapsed < TimeSpan.FromSeconds(120);)
            {
                int n = d.Api.Get("/v1/deaths?unit=storm.service&role=process&limit=100000", ApiJson.Default.DeathList).Deaths.Count;
                if (n == records) break;
                records = n;
                Thread.Sleep(2000);
            }
            double cpu = (d.CpuTicks() - cpu0) / 100.0 / sw.Elapsed.TotalSeconds;
            var m = d.Api.Get("/v1/units", ApiJson.Default.UnitList).Machine!;
            Console.WriteLine($"fork-storm run {r + 1}: {forked} forks in {stormSeconds:F1} s ({forked / stormSeconds:F0}/s); {records} death records of them " +
                $"({forked - records} missing); connector overruns {m.ConnectorOverruns}, rescans {m.Rescans}, exits lost {m.ExitsLost}; daemon CPU {Pct(cpu)} of one core until the records settled");
        }
    }

    private static string Pct(double share) => (share * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
