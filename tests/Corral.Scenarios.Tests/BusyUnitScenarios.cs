using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Issue #13: each unit's state belongs to its own loop, and readers take the view it publishes:
/// one unit stuck in a slow job holds up no one's list, status or show, its own included.
/// </summary>
public sealed class BusyUnitScenarios : Scenario
{
    [Fact]
    public void List_status_and_show_answer_while_a_unit_is_stuck_in_a_slow_ExecStop()
    {
        F.WriteUnit("stuck", $"[Service]\nExecStart={F.Workload("sleep")}\nExecStop=/bin/sleep 300\nTimeoutStopSec=600\n");
        F.WriteUnit("other", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "stuck").ExitCode);
        Assert.Equal(0, F.Cli("start", "other").ExitCode);

        Assert.Equal(0, F.Cli("stop", "stuck", "--no-block").ExitCode);
        Wait.Until(() => F.Prop("stuck", "SubState") == "stop", TimeSpan.FromSeconds(10), "ExecStop= to run");
        int control = int.Parse(F.Prop("stuck", "ControlPID"));

        // Every reader answers while the stop goes on: what they say is the stop in progress.
        var list = F.Cli("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Matches(@"stuck\.service\s+loaded\s+deactivating\s+stop", list.Stdout);
        Assert.Matches(@"other\.service\s+loaded\s+active\s+running", list.Stdout);
        Assert.Contains("Active: deactivating (stop)", F.Cli("status", "stuck").Stdout);
        Assert.Equal("active", F.Prop("other", "ActiveState"));
        Assert.Equal(0, F.Cli("stop", "other").ExitCode); // another unit's jobs go on too
        // …and the stop is still where it was: nothing above waited for it to end.
        Assert.Equal(control.ToString(), F.Prop("stuck", "ControlPID"));
        Assert.True(Directory.Exists($"/proc/{control}"));

        // Let it go: the control process killed, the stop carries on to the main process.
        Assert.Equal(0, F.Cli("kill", "stuck", "--kill-whom=control", "-s", "KILL").ExitCode);
        Wait.Until(() => F.Prop("stuck", "ActiveState") is "inactive" or "failed", TimeSpan.FromSeconds(20), "the stop to end");
        AssertNoSurvivors();
    }
}
