using System.Text.Json;
using Corral.Linux.Cgroups;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Issue #16, item 3: a stop's SIGTERM reaches every process of a service that forks while it is
/// being delivered, so nobody is left for the timeout's SIGKILL. The service is a fork bomb capped by
/// TasksMax=: every process forks as fast as the cap lets it, so each death during the signal pass
/// frees a slot that a process not signalled yet fills at once.
/// </summary>
public sealed class StormStopScenarios : Scenario
{
    private const int Cap = 400, Runs = 20;

    [Fact]
    public void A_fork_bomb_is_stopped_by_its_SIGTERM_alone_in_20_runs()
    {
        F.WriteUnit("bomb", $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={F.Workload("forkbomb 20")}\nTasksMax={Cap}\nTimeoutStopSec=5\n");
        F.Start();
        int signalled = 0;
        for (int run = 1; run <= Runs; run++)
        {
            var start = F.Cli("start", "bomb");
            Assert.True(start.ExitCode == 0, start.ToString());
            var cg = F.CgroupOf("bomb");
            Wait.Until(() => F.Cgroups.ReadPids(cg).Count >= Cap * 9 / 10, TimeSpan.FromSeconds(30), $"run {run}: the bomb to fill its cap");
            signalled += F.Cgroups.ReadPids(cg).Count;

            var stop = F.Cli("stop", "bomb");
            Assert.True(stop.ExitCode == 0, $"run {run}: {stop}");
            // A process the SIGTERM missed outlives it until TimeoutStopSec=, and the result says timeout.
            Assert.Equal(("inactive", "success"), (F.Prop("bomb", "ActiveState"), F.Prop("bomb", "Result")));
            Assert.False(Directory.Exists(cg.Path) && F.Cgroups.ReadPids(cg).Count > 0, $"run {run}: processes left in the cgroup");
        }

        // Every death is recorded, and each one is the stop's SIGTERM: none reached FinalKillSignal=.
        List<JsonElement> deaths = [];
        Wait.Until(() => (deaths = Deaths("bomb")).Count >= signalled, TimeSpan.FromSeconds(60), $"at least {signalled} death records");
        var bySignal = deaths.GroupBy(d => d.GetProperty("signal").GetString() ?? "exit").ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["SIGTERM"], bySignal.Keys);
        Assert.All(deaths, d => Assert.Equal("corral", d.GetProperty("cause").GetString()));
    }

    [Fact]
    public void A_SIGTERM_sent_to_a_frozen_service_leaves_it_frozen()
    {
        // The freeze of a signal pass is the pass's own: the administrator's freeze stays theirs.
        StartService("held", $"[Service]\nExecStart={F.Workload("--log-signals tree 4")}\n");
        WaitForRecorded(4);
        Assert.Equal(0, F.Cli("freeze", "held").ExitCode);
        var kill = F.Cli("kill", "held", "-s", "TERM");
        Assert.True(kill.ExitCode == 0, kill.ToString());
        Thread.Sleep(300); // time to thaw, had the pass thawed
        Assert.Equal("frozen", F.Prop("held", "FreezerState"));
        Assert.Equal("1", CgroupFile.Read(Path.Combine(F.CgroupOf("held").Path, "cgroup.freeze")).Trim());
        Assert.Empty(F.SignalLines()); // queued, not handled: nobody ran
        Assert.Equal(0, F.Cli("thaw", "held").ExitCode);
        Wait.Until(() => F.Prop("held", "ActiveState") is "inactive" or "failed", TimeSpan.FromSeconds(10), "the thawed service to die of its SIGTERM");
        AssertNoSurvivors();
    }

    private List<JsonElement> Deaths(string unit)
    {
        var r = F.Cli("events", "--unit", unit + ".service", "--deaths", "-n", "100000", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }
}
