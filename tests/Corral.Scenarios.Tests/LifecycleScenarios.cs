using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>restart, reload, --no-block, SendSIGHUP=, TimeoutStartSec=: the rest of the lifecycle as systemd has it.</summary>
public sealed class LifecycleScenarios : Scenario
{
    [Fact]
    public void Restart_replaces_the_main_process_and_reload_runs_ExecReload_with_MAINPID()
    {
        StartService("life", $"[Service]\nExecStart={F.Workload("--log-signals sleep")}\nExecReload=/bin/kill -HUP $MAINPID\n");
        WaitForRecorded(1);
        string first = F.Prop("life", "MainPID");

        var reload = F.Cli("reload", "life");
        Assert.True(reload.ExitCode == 0, reload.ToString());
        Wait.Until(() => F.SignalLines().Contains($"{first} HUP"), TimeSpan.FromSeconds(5), "the reload's SIGHUP at main");
        Assert.Equal("active", F.Prop("life", "ActiveState"));

        var restart = F.Cli("restart", "life");
        Assert.True(restart.ExitCode == 0, restart.ToString());
        string second = F.Prop("life", "MainPID");
        Assert.NotEqual(first, second);
        Assert.Contains($"{first} TERM", F.SignalLines());
        Assert.Equal([int.Parse(second)], Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public void Reload_without_ExecReload_is_a_clear_error()
    {
        StartService("noreload", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        var r = F.Cli("reload", "noreload");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("has no ExecReload=", r.Stderr);
    }

    [Fact]
    public void Stop_with_no_block_returns_before_the_unit_is_dead()
    {
        StartService("slow", $"[Service]\nExecStart={F.Workload("--ignore TERM sleep")}\nTimeoutStopSec=3\n");
        WaitForRecorded(1);

        var stop = F.Cli("stop", "--no-block", "slow");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal("deactivating", F.Prop("slow", "ActiveState"));
        Wait.Until(() => F.Prop("slow", "ActiveState") == "failed", TimeSpan.FromSeconds(15), "the stop to finish");
        AssertNoSurvivors();
    }

    [Fact]
    public void SendSIGHUP_follows_the_kill_signal()
    {
        StartService("hup", $"[Service]\nExecStart={F.Workload("--ignore TERM --log-signals sleep")}\nSendSIGHUP=yes\nTimeoutStopSec=1\n");
        WaitForRecorded(1);
        string main = F.Prop("hup", "MainPID");

        Assert.Equal(0, F.Cli("stop", "hup").ExitCode);

        Assert.Equal([$"{main} HUP"], F.SignalLines());
        AssertNoSurvivors();
    }

    [Fact]
    public void A_start_that_outlasts_TimeoutStartSec_fails_with_timeout_and_leaves_nothing()
    {
        F.WriteUnit("stuck", $"[Service]\nExecStartPre={F.Workload("sleep")}\nExecStart=/bin/true\nTimeoutStartSec=1\n");
        F.Start();

        var start = F.Cli("start", "stuck");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("timeout", start.Stderr);
        Assert.Equal("timeout", F.Prop("stuck", "Result"));
        AssertNoSurvivors();
    }

    [Fact]
    public void A_oneshot_with_RemainAfterExit_stays_active_exited_until_stopped_and_only_then_runs_ExecStop()
    {
        string marks = Path.Combine(F.Dir, "marks");
        F.WriteUnit("setup", $"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo start >> {marks}'\nExecStop=/bin/sh -c 'echo stop >> {marks}'\n");
        F.Start();

        var start = F.Cli("start", "setup");

        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(("active", "exited"), (F.Prop("setup", "ActiveState"), F.Prop("setup", "SubState")));
        Assert.Contains("Active: active (exited)", F.Cli("status", "setup").Stdout);
        Assert.Equal(["start"], File.ReadAllLines(marks));
        Assert.Equal(0, F.Cli("start", "setup").ExitCode); // already active: nothing runs again
        Assert.Equal(["start"], File.ReadAllLines(marks));

        Assert.Equal(0, F.Cli("stop", "setup").ExitCode);
        Assert.Equal("inactive", F.Prop("setup", "ActiveState"));
        Assert.Equal(["start", "stop"], File.ReadAllLines(marks));
    }

    [Fact]
    public void An_exited_unit_is_still_exited_after_the_daemon_dies_and_a_new_one_takes_over()
    {
        F.WriteUnit("kept", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "kept").ExitCode);

        F.KillDaemon();
        F.Start();

        Assert.Equal(("active", "exited"), (F.Prop("kept", "ActiveState"), F.Prop("kept", "SubState")));
        Assert.Equal(0, F.Cli("stop", "kept").ExitCode);
        Assert.Equal("inactive", F.Prop("kept", "ActiveState"));
    }
}
