using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K1–K5 and K8: stop reaches every process, escalates at the timeout, returns when the unit is dead.</summary>
public sealed class StopScenarios : Scenario
{
    [Fact]
    public void K1_Stop_kills_a_double_forked_setsid_grandchild()
    {
        StartService("k1", $"[Service]\nExecStart={F.Workload("double-fork")}\nTimeoutStopSec=5\n");
        WaitForRecorded(3);
        var recorded = Survivors.Recorded(F.PidsDir);
        // The grandchild left its session and its parent, but not the cgroup.
        Wait.Until(() => CgroupPids("k1").Count == 2, TimeSpan.FromSeconds(5), "the intermediate child to exit");
        Assert.All(CgroupPids("k1"), pid => Assert.Contains(pid, recorded));

        var stop = F.Cli("stop", "k1");

        Assert.Equal(0, stop.ExitCode);
        AssertNoSurvivors();
        Assert.False(Directory.Exists(F.CgroupOf("k1").Path), "the service's cgroup should be removed once it is dead");
        Assert.Equal("inactive", F.Prop("k1", "ActiveState"));
    }

    [Fact]
    public void K2_Main_ignoring_SIGTERM_is_killed_at_the_timeout_after_its_child_died_of_SIGTERM()
    {
        StartService("k2", $"[Service]\nExecStart={F.Workload("--ignore TERM trap")}\nTimeoutStopSec=2\n");
        WaitForRecorded(2);

        var stop = F.Cli("stop", "k2");

        Assert.Equal(0, stop.ExitCode);
        AssertNoSurvivors();
        // The main process saw its child go (it logs that when waitpid returns) while it still ran.
        Assert.Contains(F.SignalLines(), l => l.EndsWith("CHILD-GONE"));
        Assert.InRange(stop.Elapsed.TotalSeconds, 1.9, 6);
        Assert.Equal("2", F.Prop("k2", "ExecMainCode"));
        Assert.Equal("9", F.Prop("k2", "ExecMainStatus"));
        Assert.Equal("timeout", F.Prop("k2", "Result"));
    }

    [Fact]
    public async Task K3_Flooding_unkillable_service_is_killed_at_the_timeout_while_the_daemon_keeps_answering()
    {
        F.WriteUnit("other", $"[Service]\nExecStart={Repo.Workload} sleep\n");
        StartService("k3", $"[Service]\nExecStart={F.Workload("--ignore TERM flood")}\nTimeoutStopSec=3\n");
        WaitForRecorded(1);
        Thread.Sleep(500);

        var stopping = Task.Run(() => F.Cli("stop", "k3"));
        Wait.Until(() => F.Prop("k3", "ActiveState") == "deactivating", TimeSpan.FromSeconds(5), "k3 to be stopping");
        var meanwhile = F.Cli("status", "other");
        Assert.False(stopping.IsCompleted, "the stop should still be waiting for the timeout");
        var stop = await stopping;

        Assert.Equal(3, meanwhile.ExitCode); // answered: 'other' is simply inactive
        Assert.True(meanwhile.Elapsed < TimeSpan.FromSeconds(2.5), $"status took {meanwhile.Elapsed} during the flood");
        Assert.Equal(0, stop.ExitCode);
        AssertNoSurvivors();
        Assert.Equal("9", F.Prop("k3", "ExecMainStatus"));
        Assert.Equal("timeout", F.Prop("k3", "Result"));
    }

    [Fact]
    public void K4_Stop_returns_as_soon_as_the_service_has_exited_not_at_the_timeout()
    {
        StartService("k4", $"[Service]\nExecStart={F.Workload("--log-signals --term-delay-ms 30 sleep")}\nTimeoutStopSec=10\n");
        WaitForRecorded(1);

        var stop = F.Cli("stop", "k4");

        Assert.Equal(0, stop.ExitCode);
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(5), $"stop took {stop.Elapsed}; TimeoutStopSec=10 must not be waited out");
        AssertNoSurvivors();
        Assert.Equal("success", F.Prop("k4", "Result"));
        Assert.Equal("15", F.Prop("k4", "ExecMainStatus"));
    }

    [Fact]
    public void K5_Stop_kills_a_tree_of_a_thousand_processes()
    {
        StartService("k5", $"[Service]\nExecStart={F.Workload("tree 1000")}\nTimeoutStopSec=20\n");
        WaitForRecorded(1000, seconds: 60);
        Assert.Equal(1000, CgroupPids("k5").Count);

        var stop = F.Cli("stop", "k5");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal(1000, Survivors.Recorded(F.PidsDir).Count);
        AssertNoSurvivors();
        Assert.False(Directory.Exists(F.CgroupOf("k5").Path));
    }

    [Fact]
    public void K8_Stop_timeout_option_overrides_TimeoutStopSec()
    {
        StartService("k8", $"[Service]\nExecStart={F.Workload("--ignore TERM sleep")}\nTimeoutStopSec=30\n");
        WaitForRecorded(1);

        var stop = F.Cli("stop", "--timeout", "1s", "k8");

        Assert.Equal(0, stop.ExitCode);
        Assert.InRange(stop.Elapsed.TotalSeconds, 0.9, 6);
        AssertNoSurvivors();
        Assert.Equal("timeout", F.Prop("k8", "Result"));
        Assert.Equal("9", F.Prop("k8", "ExecMainStatus"));
    }
}
