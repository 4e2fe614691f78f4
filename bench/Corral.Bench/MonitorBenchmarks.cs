using System.Diagnostics;
using System.Globalization;
using Corral.Daemon.Wire;
using Corral.Linux.Cgroups;

namespace Corral.Bench;

/// <summary>
/// Issue #4's cost figures: what supervising 1000 processes costs the daemon at rest, with the health
/// monitor looking every second and (beside it) with the monitor all but off; and whether a fork storm
/// loses process events (every fork made by the workload must come back as a death record).
/// </summary>
public static class MonitorBenchmarks
{
    private const int Services = 10, PerService = 100;

    /// <summary>
    /// Three daemons side by side, measured over the same windows so that the machine's own activity
    /// (every daemon reads every process event of the machine) weighs on each alike: one idle with no
    /// services, and two supervising 10 services of 100 processes, with the monitor every second and
    /// all but off (every hour). Median CPU share of one core over windows of 10 s, after 10 s to settle.
    /// </summary>
    public static void AtRest(string repo, string workload, int runs)
    {
        var configs = new (string Label, int Services, string[] Args)[]
        {
            ("idle daemon, no services", 0, []),
            ("10 services x 100 processes, monitor every 1s", Services, []),
            ("10 services x 100 processes, monitor every 1h", Services, ["--monitor-interval", "1h"]),
        };
        var daemons = new List<BenchDaemon>();
        try
        {
            foreach (var (_, services, args) in configs)
            {
                var d = new BenchDaemon(repo, dir =>
                {
                    for (int s = 0; s < services; s++)
                        File.WriteAllText(Path.Combine(dir, $"rest{s}.service"), $"[Service]\nExecStart={workload} pool {PerService - 1}\n");
                }, args);
                daemons.Add(d);
                for (int s = 0; s < services; s++)
                {
                    d.Post($"rest{s}", "start");
                    while (d.Cgroups.ReadPids(d.Cgroups.For($"rest{s}.service")).Count < PerService) Thread.Sleep(5);
                }
            }
            Thread.Sleep(10_000); // past start-up and tiered compilation
            var shares = configs.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < runs; r++)
            {
                var t0 = daemons.Select(d => d.CpuTicks()).ToArray();
                var sw = Stopwatch.StartNew();
                Thread.Sleep(10_000);
                for (int i = 0; i < daemons.Count; i++) shares[i].Add((daemons[i].CpuTicks() - t0[i]) / 100.0 / sw.Elapsed.TotalSeconds);
            }
            for (int i = 0; i < configs.Length; i++)
                Console.WriteLine($"  {configs[i].Label}: median {Pct(Stats.Median(shares[i]))}, runs {string.Join(' ', shares[i].Select(Pct))}");
            Console.WriteLine($"monitor-at-rest: daemon CPU median {Pct(Stats.Median(shares[1]))} of one core supervising 1000 processes (monitor every 1s); " +
                $"{Pct(Stats.Median(shares[2]))} with the monitor off; {Pct(Stats.Median(shares[0]))} idle with no services");
        }
        finally
        {
            foreach (var d in daemons) d.Dispose();
        }
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
            // The output is collected after the exit: wait for the line.
            string logPath = Path.Combine(d.Dir, "logs", "storm.service.log"), log = "";
            for (int i = 0; i < 500 && !log.Contains("children forked"); i++, Thread.Sleep(20))
                log = File.Exists(logPath) ? File.ReadAllText(logPath) : "";
            long forked = long.Parse(log.Split("forkstorm: ")[1].Split(' ')[0], CultureInfo.InvariantCulture); // "<time> out forkstorm: N children forked"
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

    /// <summary>
    /// Issue #16: what a 1000-process tree that is not Corral's costs the daemon. An idle daemon with
    /// no services; the benchmark starts `tree 1000` in a cgroup of its own (outside the daemon's
    /// root), waits for all 1000, kills them with cgroup.kill and waits for the kernel's populated 0,
    /// then 1 s for the daemon to drain what it was told. Beside each such window, a window of the
    /// same length with nothing happening: the daemon's CPU at rest, subtracted.
    /// </summary>
    public static void ForeignTree(string repo, string workload, int runs)
    {
        using var d = new BenchDaemon(repo, _ => { });
        var layout = CgroupLayout.Detect();
        var cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-bench-foreign-{Environment.ProcessId}"), layout);
        try
        {
            cgroups.EnsureRoot();
            using var watcher = new CgroupEventsWatcher();
            Thread.Sleep(3000); // past start-up
            var costs = new List<double>();
            var rests = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                var cg = cgroups.Create($"tree{r}", null, null);
                long t0 = d.CpuTicks();
                var sw = Stopwatch.StartNew();
                using (var tree = BenchDaemon.SpawnIn(repo, cg, workload, "corral-workload", "tree", "1000"))
                {
                    while (cgroups.ReadPids(cg).Count < 1000) Thread.Sleep(10);
                    BenchDaemon.TimeKill(cgroups, cg, watcher);
                    tree.WaitForExit();
                }
                Thread.Sleep(1000);
                var window = sw.Elapsed;
                double busy = (d.CpuTicks() - t0) / 100.0;
                cgroups.TryRemove(cg);
                long t1 = d.CpuTicks();
                Thread.Sleep(window);
                double rest = (d.CpuTicks() - t1) / 100.0;
                costs.Add(busy - rest);
                rests.Add(rest);
            }
            Console.WriteLine($"foreign-tree-1000: daemon CPU for a tree not its own median {Stats.Median(costs):F2} s (window minus an idle window of the same length, {Stats.Median(rests):F2} s); " +
                $"runs {string.Join(' ', costs.Select(c => c.ToString("F2", CultureInfo.InvariantCulture)))}");
        }
        finally
        {
            cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(10));
        }
    }

    private static string Pct(double share) => (share * 100).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
