using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Core.Units;
using static Corral.Core.State.ServiceAction;

namespace Corral.Core.Tests;

/// <summary>Readiness, reloads, self-stops, the watchdog and timeout extensions of sd_notify, as the lifecycle decides them (issue #14, item 1).</summary>
public sealed class NotifyLifecycleTests
{
    private static readonly ServiceFacts Alive = new(MainAlive: true, ControlAlive: false, CgroupEmpty: false);
    private static readonly ServiceFacts Gone = new(MainAlive: false, ControlAlive: false, CgroupEmpty: true);

    private static ServiceStateMachine Machine(string service)
    {
        var r = ServiceUnitLoader.Load("/u/n.service", "[Service]\n" + service);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return new ServiceStateMachine(r.Unit!);
    }

    /// <summary>Started and past its exec, not yet ready.</summary>
    private static ServiceStateMachine Spawned(string service, long nowMs = 0)
    {
        var m = Machine(service);
        m.Handle(ServiceEvent.StartRequest, Gone with { NowMs = nowMs });
        m.Handle(ServiceEvent.Started, Alive with { NowMs = nowMs });
        return m;
    }

    private static ServiceStateMachine Ready(string service)
    {
        var m = Spawned(service);
        m.Handle(ServiceEvent.Readied, Alive);
        Assert.Equal(ServiceState.Running, m.State);
        return m;
    }

    [Fact]
    public void A_notify_service_is_starting_after_its_exec_and_runs_once_it_says_READY()
    {
        var m = Spawned("Type=notify\nExecStart=/bin/true\nExecStartPost=/bin/post\n");
        Assert.Equal(ServiceState.Start, m.State);
        Assert.False(m.ReachedRunning);

        var a = m.Handle(ServiceEvent.Readied, Alive);
        Assert.Equal(ServiceState.StartPost, m.State); // ExecStartPost= runs after READY=1, as in systemd
        Assert.Contains(new RunControl(ExecPhase.StartPost, 0), a);
    }

    [Fact]
    public void A_notify_service_whose_main_process_exits_cleanly_before_READY_fails_with_protocol()
    {
        var m = Spawned("Type=notify\nExecStart=/bin/true\n");
        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), Gone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.Protocol, m.Result);
    }

    [Fact]
    public void With_NotifyAccess_all_a_process_left_in_the_cgroup_may_still_say_READY_until_the_cgroup_empties()
    {
        var m = Spawned("Type=notify\nNotifyAccess=all\nExecStart=/bin/true\n");
        var stillThere = new ServiceFacts(MainAlive: false, ControlAlive: false, CgroupEmpty: false);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), stillThere);
        Assert.Equal(ServiceState.Start, m.State);

        m.Handle(ServiceEvent.Empty, Gone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.Protocol, m.Result);
    }

    [Fact]
    public void A_service_that_says_RELOADING_reloads_until_its_READY()
    {
        var m = Ready("Type=notify\nExecStart=/bin/true\n");
        m.Handle(ServiceEvent.ReloadingNotified, Alive);
        Assert.Equal(ServiceState.Reload, m.State);
        m.Handle(ServiceEvent.Readied, Alive);
        Assert.Equal(ServiceState.Running, m.State);
    }

    [Fact]
    public void An_ExecReload_during_which_the_service_said_RELOADING_ends_with_READY_not_with_the_command()
    {
        var m = Ready("Type=notify\nExecStart=/bin/true\nExecReload=/bin/kill -HUP $MAINPID\n");
        m.Handle(ServiceEvent.ReloadRequest, Alive);
        m.Handle(ServiceEvent.ReloadingNotified, Alive with { ControlAlive = true });
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), Alive);
        Assert.Equal(ServiceState.Reload, m.State);
        m.Handle(ServiceEvent.Readied, Alive);
        Assert.Equal(ServiceState.Running, m.State);
    }

    [Fact]
    public void A_notify_reload_service_is_sent_ReloadSignal_and_is_reloaded_at_its_READY()
    {
        var m = Ready("Type=notify-reload\nReloadSignal=SIGUSR1\nExecStart=/bin/true\n");
        var a = m.Handle(ServiceEvent.ReloadRequest, Alive);
        var kill = Assert.Single(a.OfType<Kill>());
        Assert.Equal((KillTargets.Main, SignalNames.SigUsr1), (kill.Plan.Targets, kill.Plan.Signal));
        Assert.Equal(ServiceState.Reload, m.State);
        m.Handle(ServiceEvent.Readied, Alive);
        Assert.Equal(ServiceState.Running, m.State);
    }

    [Fact]
    public void STOPPING_lets_the_service_stop_by_itself_without_a_signal_or_ExecStop_and_without_a_failure()
    {
        var m = Ready("Type=notify\nExecStart=/bin/true\nExecStop=/bin/stop\nRestart=on-failure\n");
        var a = m.Handle(ServiceEvent.StoppingNotified, Alive);
        Assert.Equal(ServiceState.StopSigterm, m.State);
        Assert.Empty(a.OfType<Kill>());
        Assert.Empty(a.OfType<RunControl>());

        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), Gone);
        Assert.Equal((ServiceState.Dead, ServiceResult.Success), (m.State, m.Result));
    }

    [Fact]
    public void A_missed_watchdog_sends_WatchdogSignal_then_the_final_signal_and_the_result_is_watchdog()
    {
        var m = Ready("Type=notify\nExecStart=/bin/true\nWatchdogSec=5\nTimeoutStopSec=7\nRestart=on-watchdog\n");
        var abort = Assert.Single(m.Handle(ServiceEvent.Watchdog(triggered: false), Alive).OfType<Kill>());
        Assert.Equal(ServiceState.StopWatchdog, m.State);
        Assert.Equal(SignalNames.SigAbrt, abort.Plan.Signal);
        Assert.Equal("WatchdogSec= (5s) passed without WATCHDOG=1: WatchdogSignal=", abort.Reason);

        var kill = Assert.Single(m.Handle(ServiceEvent.TimedOut, Alive).OfType<Kill>());
        Assert.Equal(SignalNames.SigKill, kill.Plan.Signal);
        Assert.Equal("WatchdogSignal= was not enough within TimeoutStopSec= (7s): FinalKillSignal=", kill.Reason);

        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(SignalNames.SigKill)), Gone);
        Assert.Equal((ServiceState.AutoRestart, ServiceResult.Watchdog), (m.State, m.Result)); // Restart=on-watchdog
    }

    [Fact]
    public void WATCHDOG_trigger_fires_the_watchdog_and_says_the_service_asked()
    {
        var m = Ready("Type=notify\nExecStart=/bin/true\nWatchdogSec=5\n");
        var abort = Assert.Single(m.Handle(ServiceEvent.Watchdog(triggered: true), Alive).OfType<Kill>());
        Assert.StartsWith("the service asked for its watchdog to fire", abort.Reason);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(SignalNames.SigAbrt)), Gone);
        Assert.Equal((ServiceState.Failed, ServiceResult.Watchdog), (m.State, m.Result));
    }

    [Fact]
    public void EXTEND_TIMEOUT_USEC_moves_the_timeout_later_and_never_earlier()
    {
        var m = Spawned("Type=notify\nExecStart=/bin/true\nTimeoutStartSec=10\n", nowMs: 1_000);
        Assert.Empty(m.Handle(ServiceEvent.ExtendBy(TimeSpan.FromSeconds(1)), Alive with { NowMs = 9_000 })); // 10 s from the start is later still
        var arm = Assert.Single(m.Handle(ServiceEvent.ExtendBy(TimeSpan.FromSeconds(5)), Alive with { NowMs = 9_000 }).OfType<ArmTimer>());
        Assert.Equal(TimeSpan.FromSeconds(5), arm.After);
        Assert.Empty(m.Handle(ServiceEvent.ExtendBy(TimeSpan.FromSeconds(2)), Alive with { NowMs = 10_000 })); // 14 s is later than 12 s
    }

    [Fact]
    public void Notify_types_load_without_a_warning_and_NotifyAccess_is_resolved_as_systemd_resolves_it()
    {
        var notify = ServiceUnitLoader.Load("/u/a.service", "[Service]\nType=notify\nExecStart=/bin/true\n");
        Assert.Empty(notify.Diagnostics);
        Assert.Equal((ServiceType.Notify, NotifyAccess.Main), (notify.Unit!.Type, notify.Unit.NotifyAccess));
        Assert.Equal(NotifyAccess.None, ServiceUnitLoader.Load("/u/b.service", "[Service]\nExecStart=/bin/true\n").Unit!.NotifyAccess);
        Assert.Equal(NotifyAccess.Main, ServiceUnitLoader.Load("/u/c.service", "[Service]\nExecStart=/bin/true\nWatchdogSec=3\n").Unit!.NotifyAccess);
        Assert.Equal(NotifyAccess.All, ServiceUnitLoader.Load("/u/d.service", "[Service]\nType=notify\nNotifyAccess=all\nExecStart=/bin/true\n").Unit!.NotifyAccess);

        var bad = ServiceUnitLoader.Load("/u/e.service", "[Service]\nType=notify\nNotifyAccess=some\nExecStart=/bin/true\n");
        Assert.Contains(bad.Diagnostics, d => d.Line == 3 && d.Message.Contains("NotifyAccess=") && d.Message.Contains("none, main, exec, all"));
    }
}
