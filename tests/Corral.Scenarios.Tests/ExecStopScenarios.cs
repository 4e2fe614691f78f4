using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K10: ExecStop= runs first, with $MAINPID; signals follow only if it did not stop the service.</summary>
public sealed class ExecStopScenarios : Scenario
{
    [Fact]
    public void K10_ExecStop_that_ends_the_main_process_leaves_nothing_to_signal()
    {
        string seen = Path.Combine(F.Dir, "mainpid");
        StartService("k10", $"""
            [Service]
            ExecStart={F.Workload("--log-signals --exit-on USR1 sleep")}
            ExecStop=/bin/sh -c 'echo $MAINPID > {seen}; kill -USR1 $MAINPID; while kill -0 $MAINPID 2>/dev/null; do sleep 0.01; done'
            TimeoutStopSec=10
            """);
        WaitForRecorded(1);
        string main = F.Prop("k10", "MainPID");

        var stop = F.Cli("stop", "k10");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal(main, File.ReadAllText(seen).Trim());
        Assert.Equal([$"{main} USR1"], F.SignalLines());
        AssertNoSurvivors();
        Assert.Equal("success", F.Prop("k10", "Result"));
        Assert.Equal("1", F.Prop("k10", "ExecMainCode"));
    }

    [Fact]
    public void K10_ExecStop_that_does_not_stop_the_service_is_followed_by_the_usual_escalation()
    {
        string ran = Path.Combine(F.Dir, "execstop-ran");
        StartService("k10b", $"[Service]\nExecStart={F.Workload("--log-signals sleep")}\nExecStop=/bin/touch {ran}\nTimeoutStopSec=10\n");
        WaitForRecorded(1);
        string main = F.Prop("k10b", "MainPID");

        var stop = F.Cli("stop", "k10b");

        Assert.Equal(0, stop.ExitCode);
        Assert.True(File.Exists(ran));
        Assert.Equal([$"{main} TERM"], F.SignalLines());
        AssertNoSurvivors();
    }
}
