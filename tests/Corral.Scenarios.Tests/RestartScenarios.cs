using System.Text.Json;
using Corral.Linux;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>Restart= as systemd: growing delays, the start limit, kills that are not stops, a missing executable.</summary>
public sealed class RestartScenarios : Scenario
{
    private List<JsonElement> MainDeaths(string unit)
    {
        using var doc = JsonDocument.Parse(F.Cli("why", unit, "-n", "100", "--json").Stdout);
        return doc.RootElement.GetProperty("deaths").EnumerateArray().Select(d => d.Clone()).Reverse().ToList();
    }

    [Fact]
    public void A_crash_loop_restarts_with_growing_delays_until_start_limit_hit_and_reset_failed_clears_it()
    {
        StartService("loop", $"[Unit]\nStartLimitIntervalSec=60s\nStartLimitBurst=5\n[Service]\nExecStart={F.Workload("exit 3")}\n" +
            "Restart=on-failure\nRestartSec=100ms\nRestartSteps=3\nRestartMaxDelaySec=800ms\n");

        Wait.Until(() => F.Prop("loop", "Result") == "start-limit-hit", TimeSpan.FromSeconds(20), "start-limit-hit");
        Assert.Equal("failed", F.Prop("loop", "ActiveState"));
        Assert.Equal("4", F.Prop("loop", "NRestarts"));
        Thread.Sleep(1500); // nothing more starts
        var deaths = MainDeaths("loop");
        Assert.Equal(5, deaths.Count);
        Assert.All(deaths, d => Assert.Equal(3, d.GetProperty("status").GetInt32()));

        // Each restart waited its delay: 100, 200, 400, 800 ms from one death to the next start, and
        // "exit 3" dies at once, so from one death to the next.
        var ends = deaths.Select(d => d.GetProperty("endedAt").GetDateTimeOffset()).ToList();
        double[] expected = [100, 200, 400, 800];
        for (int i = 0; i < 4; i++)
        {
            double gap = (ends[i + 1] - ends[i]).TotalMilliseconds;
            string runs = string.Join(" ", ends.Select(e => $"{e:HH:mm:ss.fff}"));
            Assert.True(gap >= expected[i], $"death {i + 2} came {gap:F0} ms after death {i + 1}, before the restart delay of {expected[i]} ms; deaths at {runs}");
            Assert.True(gap < expected[i] + 1000, $"death {i + 2} came {gap:F0} ms after death {i + 1}, long after the restart delay of {expected[i]} ms; deaths at {runs}");
        }
        Assert.Contains("Result: start-limit-hit", F.Cli("status", "loop").Stdout);

        // A manual start within the window is refused like the restarts were...
        var refused = F.Cli("start", "loop");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("start-limit-hit", refused.Stderr);
        // ...until reset-failed.
        Assert.Equal(0, F.Cli("reset-failed", "loop").ExitCode);
        Assert.Equal(("inactive", "success"), (F.Prop("loop", "ActiveState"), F.Prop("loop", "Result")));
        Assert.Equal(0, F.Cli("start", "loop").ExitCode);
        Wait.Until(() => MainDeaths("loop").Count >= 6, TimeSpan.FromSeconds(10), "the run after reset-failed");
        Assert.Equal(0, F.Cli("stop", "loop").ExitCode);
    }

    [Fact]
    public void Ten_kills_of_the_main_process_give_ten_new_pids_and_never_two_instances()
    {
        StartService("phoenix", $"[Unit]\nStartLimitBurst=50\n[Service]\nExecStart={F.Workload("sleep")}\nRestart=always\nRestartSec=100ms\n");
        var cg = F.CgroupOf("phoenix");
        int most = 0;
        bool watching = true;
        var watcher = new Thread(() =>
        {
            // Between runs the cgroup is removed and made again; a read that races the removal finds none.
            while (Volatile.Read(ref watching)) most = Math.Max(most, F.Cgroups.ReadPids(cg).Count);
        });
        watcher.Start();

        var pids = new List<int> { int.Parse(F.Prop("phoenix", "MainPID")) };
        for (int i = 0; i < 10; i++)
        {
            Assert.True(Signaller.TryKill(pids[^1], 9));
            int next = 0;
            Wait.Until(() => (next = int.Parse(F.Prop("phoenix", "MainPID"))) is not 0 && next != pids[^1], TimeSpan.FromSeconds(10), $"restart {i + 1}");
            pids.Add(next);
        }
        Volatile.Write(ref watching, false);
        watcher.Join();

        Assert.Equal(11, pids.Distinct().Count());
        Assert.Equal(1, most);
        Assert.Equal("10", F.Prop("phoenix", "NRestarts"));
        Assert.Equal("active", F.Prop("phoenix", "ActiveState"));
        Assert.Single(Survivors.Alive(F.PidsDir));
        Assert.Equal(0, F.Cli("stop", "phoenix").ExitCode);
        Thread.Sleep(500); // a manual stop never triggers a restart
        Assert.Equal("inactive", F.Prop("phoenix", "ActiveState"));
        AssertNoSurvivors();
    }

    [Fact]
    public void Corral_kill_is_not_a_stop_and_a_clean_SIGTERM_does_not_count_as_a_failure()
    {
        StartService("k", $"[Service]\nExecStart={F.Workload("sleep")}\nRestart=on-failure\nRestartSec=100ms\n");
        int first = int.Parse(F.Prop("k", "MainPID"));

        Assert.Equal(0, F.Cli("kill", "k", "--signal=KILL", "--kill-whom=main").ExitCode);
        Wait.Until(() => F.Prop("k", "MainPID") is var p && p != "0" && p != first.ToString(), TimeSpan.FromSeconds(10), "the restart after corral kill");
        Assert.Equal("1", F.Prop("k", "NRestarts"));

        // SIGTERM is a clean ending of a main process for systemd: on-failure does not restart it.
        Assert.Equal(0, F.Cli("kill", "k", "--signal=TERM", "--kill-whom=main").ExitCode);
        Wait.Until(() => F.Prop("k", "ActiveState") == "inactive", TimeSpan.FromSeconds(10), "the service to end");
        Thread.Sleep(500);
        Assert.Equal(("inactive", "1"), (F.Prop("k", "ActiveState"), F.Prop("k", "NRestarts")));
    }

    [Fact]
    public void A_missing_executable_is_a_clear_failed_start_and_not_a_busy_loop()
    {
        F.WriteUnit("ghost", "[Service]\nExecStart=/nonexistent/corral-ghost --serve\nRestart=always\n");
        F.Start();

        var start = F.Cli("start", "ghost");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("/nonexistent/corral-ghost", start.Stderr);
        Assert.Contains("Restart=always will start it again", start.Stderr);
        Wait.Until(() => F.Prop("ghost", "Result") == "start-limit-hit", TimeSpan.FromSeconds(10), "start-limit-hit");
        Assert.Equal("4", F.Prop("ghost", "NRestarts")); // 5 starts in StartLimitIntervalSec=10s, the default
        Thread.Sleep(1000);
        Assert.Equal(("failed", "4"), (F.Prop("ghost", "ActiveState"), F.Prop("ghost", "NRestarts")));
        Assert.Contains("/nonexistent/corral-ghost", F.Cli("status", "ghost").Stdout);
    }
}
