using Corral.Core.State;
using Corral.Core.Units;
using static Corral.Core.State.ServiceAction;

namespace Corral.Core.Tests;

/// <summary>Restart=, its delays, RestartPreventExitStatus= and the start limit, in the state machine's table.</summary>
public sealed class RestartPolicyTests
{
    private static ServiceFacts At(long ms, bool mainAlive = false) => new(mainAlive, false, !mainAlive, ms);

    private static ServiceStateMachine Machine(string service, string unitSection = "")
    {
        var r = ServiceUnitLoader.Load("/u/t.service", $"[Unit]\n{unitSection}[Service]\n" + service);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return new ServiceStateMachine(r.Unit!);
    }

    /// <summary>Starts (at <paramref name="ms"/>) and lets the main process end with <paramref name="exit"/>; returns the actions of the ending.</summary>
    private static IReadOnlyList<ServiceAction> RunAndEnd(ServiceStateMachine m, ExitStatus exit, long ms, bool manual = true)
    {
        if (manual) m.Handle(ServiceEvent.StartRequest, At(ms));
        m.Handle(ServiceEvent.Started, At(ms, mainAlive: true));
        Assert.Equal(ServiceState.Running, m.State);
        return m.Handle(ServiceEvent.MainExit(exit), At(ms + 10));
    }

    [Theory]
    [InlineData("no", ServiceResult.Signal, false)]
    [InlineData("always", ServiceResult.Success, true)]
    [InlineData("always", ServiceResult.ExitCode, true)]
    [InlineData("on-success", ServiceResult.Success, true)]
    [InlineData("on-success", ServiceResult.ExitCode, false)]
    [InlineData("on-failure", ServiceResult.Success, false)]
    [InlineData("on-failure", ServiceResult.ExitCode, true)]
    [InlineData("on-failure", ServiceResult.Timeout, true)]
    [InlineData("on-failure", ServiceResult.OomKill, true)]
    [InlineData("on-abnormal", ServiceResult.ExitCode, false)]
    [InlineData("on-abnormal", ServiceResult.Signal, true)]
    [InlineData("on-abnormal", ServiceResult.Timeout, true)]
    [InlineData("on-abnormal", ServiceResult.CoreDump, true)]
    [InlineData("on-abort", ServiceResult.Signal, true)]
    [InlineData("on-abort", ServiceResult.CoreDump, true)]
    [InlineData("on-abort", ServiceResult.Timeout, false)]
    [InlineData("on-abort", ServiceResult.ExitCode, false)]
    public void The_policy_table_is_systemds(string policy, ServiceResult result, bool restarts)
    {
        Assert.True(RestartPolicyNames.TryParse(policy, out var p));
        Assert.Equal(restarts, RestartPolicyNames.Restarts(p, result));
    }

    [Fact]
    public void A_failed_run_waits_RestartSec_then_prepares_and_starts_again()
    {
        var m = Machine("ExecStart=/bin/false\nRestart=on-failure\nRestartSec=250ms\n");
        var a = RunAndEnd(m, ExitStatus.Exited(1), 0);

        Assert.Equal(ServiceState.AutoRestart, m.State);
        Assert.Equal("activating", ServiceStateNames.ActiveState(m.State));
        Assert.Equal("auto-restart", ServiceStateNames.SubState(m.State));
        Assert.Contains(new ArmTimer(TimeSpan.FromMilliseconds(250)), a);
        Assert.Contains(new Finish(ServiceResult.ExitCode), a);

        a = m.Handle(ServiceEvent.TimedOut, At(300));
        Assert.Equal([typeof(PrepareRun), typeof(ArmTimer), typeof(StartMain)], a.Select(x => x.GetType()));
        Assert.Equal(1, m.NRestarts);
        Assert.Equal(ServiceResult.Success, m.Result);
    }

    [Fact]
    public void A_clean_exit_does_not_restart_on_failure_and_a_stop_never_restarts()
    {
        var m = Machine("ExecStart=/bin/true\nRestart=on-failure\n");
        RunAndEnd(m, ExitStatus.Exited(0), 0);
        Assert.Equal(ServiceState.Dead, m.State);

        var always = Machine("ExecStart=/bin/sleep 9\nRestart=always\n");
        always.Handle(ServiceEvent.StartRequest, At(0));
        always.Handle(ServiceEvent.Started, At(0, mainAlive: true));
        always.Handle(ServiceEvent.StopRequest(), At(10, mainAlive: true));
        always.Handle(ServiceEvent.MainExit(ExitStatus.Killed(15)), At(20));
        Assert.Equal(ServiceState.Dead, always.State);
    }

    [Fact]
    public void A_stop_while_stopping_on_its_own_still_prevents_the_restart()
    {
        var m = Machine("ExecStart=/bin/sleep 9\nRestart=always\nExecStop=/bin/stopper\n");
        m.Handle(ServiceEvent.StartRequest, At(0));
        m.Handle(ServiceEvent.Started, At(0, mainAlive: true));
        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(1)), At(10));
        Assert.Equal(ServiceState.Stop, m.State); // ExecStop= runs
        m.Handle(ServiceEvent.StopRequest(), new ServiceFacts(false, true, false, 20));
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), At(30));
        Assert.Equal(ServiceState.Failed, m.State);
    }

    [Fact]
    public void RestartPreventExitStatus_stops_the_loop()
    {
        var m = Machine("ExecStart=/bin/false\nRestart=always\nRestartPreventExitStatus=3 SIGUSR1\n");
        RunAndEnd(m, ExitStatus.Exited(3), 0);
        Assert.Equal(ServiceState.Failed, m.State);
        var s = Machine("ExecStart=/bin/false\nRestart=always\nRestartPreventExitStatus=3 SIGUSR1\n");
        RunAndEnd(s, ExitStatus.Killed(10), 0);
        Assert.Equal(ServiceState.Failed, s.State);
    }

    [Fact]
    public void RestartSteps_grow_the_delay_geometrically_to_RestartMaxDelaySec()
    {
        var m = Machine("ExecStart=/bin/false\nRestart=always\nRestartSec=100ms\nRestartSteps=3\nRestartMaxDelaySec=800ms\n", "StartLimitBurst=0\n");
        var delays = new List<double>();
        var a = RunAndEnd(m, ExitStatus.Exited(1), 0);
        for (int i = 0; i < 5; i++)
        {
            delays.Add(a.OfType<ArmTimer>().Last().After.TotalMilliseconds);
            m.Handle(ServiceEvent.TimedOut, At(1000 * (i + 1)));
            a = RunAndEnd(m, ExitStatus.Exited(1), 1000 * (i + 1) + 5, manual: false);
        }
        Assert.Equal([100, 200, 400, 800, 800], delays.Select(d => Math.Round(d)));
        Assert.Equal(5, m.NRestarts);
    }

    [Fact]
    public void The_start_limit_fails_the_unit_with_start_limit_hit_until_the_window_passes_or_reset_failed()
    {
        var m = Machine("ExecStart=/bin/false\nRestart=always\nRestartSec=10ms\n", "StartLimitIntervalSec=10s\nStartLimitBurst=3\n");
        var a = RunAndEnd(m, ExitStatus.Exited(1), 0);
        for (int i = 1; i < 3; i++)
        {
            m.Handle(ServiceEvent.TimedOut, At(i * 100));
            a = RunAndEnd(m, ExitStatus.Exited(1), i * 100 + 5, manual: false);
        }
        Assert.Equal(ServiceState.AutoRestart, m.State);
        a = m.Handle(ServiceEvent.TimedOut, At(400)); // the 4th start in 10 s

        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.StartLimitHit, m.Result);
        Assert.DoesNotContain(a, x => x is StartMain or PrepareRun);
        Assert.Contains(new Finish(ServiceResult.StartLimitHit), a);

        m.Handle(ServiceEvent.StartRequest, At(500)); // still within the window: refused again
        Assert.Equal(ServiceResult.StartLimitHit, m.Result);

        m.Handle(ServiceEvent.ResetFailedRequest, At(600));
        Assert.Equal((ServiceState.Dead, ServiceResult.Success), (m.State, m.Result));
        a = m.Handle(ServiceEvent.StartRequest, At(700));
        Assert.Contains(new StartMain(0), a);
        Assert.Equal(0, m.NRestarts); // a start someone asked for counts afresh
    }

    [Fact]
    public void A_stop_during_the_restart_delay_cancels_the_restart()
    {
        var m = Machine("ExecStart=/bin/false\nRestart=always\nRestartSec=5s\n");
        RunAndEnd(m, ExitStatus.Exited(1), 0);
        var a = m.Handle(ServiceEvent.StopRequest(), At(100));
        Assert.Equal(ServiceState.Dead, m.State); // as systemd: inactive, not failed
        Assert.Contains(new ArmTimer(TimeSpan.MaxValue), a);
        Assert.Empty(m.Handle(ServiceEvent.TimedOut, At(6000)));
    }
}
