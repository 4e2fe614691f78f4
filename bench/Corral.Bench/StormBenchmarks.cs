using System.Diagnostics;
using Corral.Daemon.Wire;
using Corral.Linux.Cgroups;

namespace Corral.Bench;

/// <summary>
/// Issue #16, item 3: stopping a service while it forks. The service is a fork bomb capped by
/// TasksMax= (every process forks whenever the cap lets it, tries again 20 ms after a refusal, and
/// dies on SIGTERM); its twin, the floor, is killed by cgroup.kill in the same run. Counts the
/// processes that outlived the stop's SIGTERM (their death record says SIGKILL: FinalKillSignal=).
/// </summary>
internal static class StormBenchmarks
{
    public static void ForkBomb(string repo, string workload, int runs, int cap = 1000)
    {
        using var d = new BenchDaemon(repo, dir =>
        {
            foreach (var name in new[] { "bomb", "twin" })
                File.WriteAllText(Path.Combine(dir, name + ".service"),
                    $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} forkbomb 20\nTasksMax={cap}\nTimeoutStopSec=5\n");
        });
        using var watcher = new CgroupEventsWatcher();
        var stop = new List<double>();
        var floor = new List<double>();
        int timeouts = 0;
        for (int r = 0; r < runs; r++)
        {
            d.Post("bomb", "start");
            Fill(d, "bomb.service", cap);
            var sw = Stopwatch.StartNew();
            d.Post("bomb", "stop"); // returns when every process is gone
            stop.Add(sw.Elapsed.TotalMilliseconds);
            if (d.Api.Get("/v1/units/bomb.service", ApiJson.Default.UnitStatus).Result != "success") timeouts++;

            d.Post("twin", "start");
            Fill(d, "twin.service", cap);
            floor.Add(d.KillFloor("twin", watcher));
        }
        // The records trail the deaths: read them once their number has stopped growing.
        List<DeathView> deaths = [];
        for (int count = -1; count != deaths.Count; Thread.Sleep(2000))
        {
            count = deaths.Count;
            deaths = d.Api.Get("/v1/deaths?unit=bomb.service&limit=1000000", ApiJson.Default.DeathList).Deaths;
        }
        int killed = deaths.Count(x => x.Signal == "SIGKILL");
        double s = Stats.Median(stop), f = Stats.Median(floor);
        Console.WriteLine($"stop-bomb-{cap}: corral stop median {Stats.Ms(s)} ms; floor cgroup.kill + populated 0 median {Stats.Ms(f)} ms; ratio {s / f:F2}; " +
            $"{deaths.Count} deaths recorded, {killed} reached FinalKillSignal= (SIGKILL), {timeouts} of {runs} stops ended in a timeout");
        Console.WriteLine($"  runs stop: {string.Join(' ', stop.Select(Stats.Ms))}");
        Console.WriteLine($"  runs floor: {string.Join(' ', floor.Select(Stats.Ms))}");
    }

    /// <summary>Waits until the bomb has (nearly) filled its cap.</summary>
    private static void Fill(BenchDaemon d, string unit, int cap)
    {
        var cg = d.Cgroups.For(unit);
        var end = DateTime.UtcNow.AddSeconds(60);
        while (d.Cgroups.ReadPids(cg).Count < cap * 95 / 100)
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"{unit} did not fill its cap of {cap}");
            Thread.Sleep(10);
        }
    }
}
