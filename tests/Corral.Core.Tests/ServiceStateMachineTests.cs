using Corral.Core.Killing;
using Corral.Core.State;
using Corral.Core.Units;
using static Corral.Core.State.ServiceAction;

namespace Corral.Core.Tests;

public sealed class ServiceStateMachineTests
{
    private static readonly ServiceFacts Running = new(MainAlive: true, ControlAlive: false, CgroupEmpty: false);
    private static readonly ServiceFacts ControlRunning = new(MainAlive: true, ControlAlive: true, CgroupEmpty: false);
    private static readonly ServiceFacts AllGone = new(MainAlive: false, ControlAlive: false, CgroupEmpty: true);
    private static readonly ServiceFacts MainGoneRestAlive = new(MainAlive: false, ControlAlive: false, CgroupEmpty: false);

    private static ServiceStateMachine Machine(string service)
    {
        var r = ServiceUnitLoader.Load("/u/t.service", "[Service]\n" + service);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return new ServiceStateMachine(r.Unit!);
    }

    private static ServiceStateMachine Started(string service)
    {
        var m = Machine(service);
        m.Handle(ServiceEvent.StartRequest, AllGone);
        m.Handle(ServiceEvent.Started, Running);
        Assert.Equal(ServiceState.Running, m.State);
        return m;
    }

    private static KillPlan? KillIn(IEnumerable<ServiceAction> actions) => actions.OfType<Kill>().SingleOrDefault()?.Plan;

    [Fact]
    public void Simple_service_runs_once_its_main_process_is_spawned()
    {
        var m = Machine("ExecStart=/bin/sleep 1\n");
        var a = m.Handle(ServiceEvent.StartRequest, AllGone);
        Assert.Equal(ServiceState.Start, m.State);
        Assert.Contains(new StartMain(0), a);
        m.Handle(ServiceEvent.Started, Running);
        Assert.Equal(ServiceState.Running, m.State);
    }

    [Fact]
    public void Stop_escalates_from_SIGTERM_to_the_cgroup_to_SIGKILL_at_the_timeout()
    {
        var m = Started("ExecStart=/bin/sleep 1\nTimeoutStopSec=2\n");
        var a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Equal(ServiceState.StopSigterm, m.State);
        Assert.Equal(new KillPlan(KillTargets.Cgroup, 15, false, true), KillIn(a));
        Assert.Contains(new ArmTimer(TimeSpan.FromSeconds(2)), a);

        a = m.Handle(ServiceEvent.TimedOut, Running);
        Assert.Equal(ServiceState.StopSigkill, m.State);
        Assert.Equal(new KillPlan(KillTargets.Cgroup, 9, false, false), KillIn(a));

        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(9)), MainGoneRestAlive);
        Assert.Equal(ServiceState.StopSigkill, m.State); // the rest of the cgroup is still there
        a = m.Handle(ServiceEvent.Empty, AllGone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.Timeout, m.Result);
        Assert.Contains(new Finish(ServiceResult.Timeout), a);
    }

    [Fact]
    public void Stop_ends_at_once_when_the_cgroup_empties_and_a_SIGTERM_death_is_a_success()
    {
        var m = Started("ExecStart=/bin/sleep 1\n");
        m.Handle(ServiceEvent.StopRequest(), Running);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(15)), AllGone);
        Assert.Equal(ServiceState.Dead, m.State);
        Assert.Equal(ServiceResult.Success, m.Result);
    }

    [Fact]
    public void Per_call_stop_timeout_overrides_TimeoutStopSec_for_that_stop_only()
    {
        var m = Started("ExecStart=/bin/sleep 1\nTimeoutStopSec=30\n");
        var a = m.Handle(ServiceEvent.StopRequest(TimeSpan.FromSeconds(1)), Running);
        Assert.Contains(new ArmTimer(TimeSpan.FromSeconds(1)), a);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(15)), AllGone);
        m.Handle(ServiceEvent.StartRequest, AllGone);
        m.Handle(ServiceEvent.Started, Running);
        a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Contains(new ArmTimer(TimeSpan.FromSeconds(30)), a);
    }

    [Fact]
    public void ExecStop_runs_first_and_no_signal_follows_when_it_stopped_everything()
    {
        var m = Started("ExecStart=/bin/sleep 1\nExecStop=/bin/kill $MAINPID\n");
        var a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Equal(ServiceState.Stop, m.State);
        Assert.Contains(new RunControl(ExecPhase.Stop, 0), a);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(15)), new(false, true, true));
        a = m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), AllGone);
        Assert.Null(KillIn(a));
        Assert.Equal(ServiceState.Dead, m.State);
    }

    [Fact]
    public void ExecStop_that_leaves_the_service_running_is_followed_by_SIGTERM()
    {
        var m = Started("ExecStart=/bin/sleep 1\nExecStop=/bin/true\n");
        m.Handle(ServiceEvent.StopRequest(), Running);
        var a = m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), Running);
        Assert.Equal(ServiceState.StopSigterm, m.State);
        Assert.Equal(15, KillIn(a)!.Signal);
    }

    [Fact]
    public void Mixed_mode_kills_the_rest_once_main_is_gone()
    {
        var m = Started("ExecStart=/bin/sleep 1\nKillMode=mixed\n");
        var a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Equal(KillTargets.Main | KillTargets.Control, KillIn(a)!.Targets);
        a = m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(15)), MainGoneRestAlive);
        Assert.Equal(new KillPlan(KillTargets.Cgroup, 9, false, false), KillIn(a));
        Assert.Equal(ServiceState.StopSigkill, m.State);
        m.Handle(ServiceEvent.Empty, AllGone);
        Assert.Equal(ServiceState.Dead, m.State);
    }

    [Fact]
    public void Process_mode_is_done_when_main_is_gone_and_leaves_the_rest()
    {
        var m = Started("ExecStart=/bin/sleep 1\nKillMode=process\n");
        var a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Equal(KillTargets.Main | KillTargets.Control, KillIn(a)!.Targets);
        a = m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(15)), MainGoneRestAlive);
        Assert.Null(KillIn(a));
        Assert.Equal(ServiceState.Dead, m.State);
    }

    [Fact]
    public void None_mode_sends_nothing()
    {
        var m = Started("ExecStart=/bin/sleep 1\nKillMode=none\n");
        var a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Null(KillIn(a));
        Assert.Equal(ServiceState.Dead, m.State);
    }

    [Fact]
    public void SendSIGKILL_no_gives_up_at_the_timeout_without_SIGKILL()
    {
        var m = Started("ExecStart=/bin/sleep 1\nSendSIGKILL=no\n");
        m.Handle(ServiceEvent.StopRequest(), Running);
        var a = m.Handle(ServiceEvent.TimedOut, Running);
        Assert.DoesNotContain(a, x => x is Kill k && k.Plan.Signal == 9);
    }

    [Fact]
    public void SendSIGHUP_adds_a_SIGHUP_to_the_stop_signal()
    {
        var m = Started("ExecStart=/bin/sleep 1\nSendSIGHUP=yes\nKillSignal=SIGINT\n");
        var a = m.Handle(ServiceEvent.StopRequest(), Running);
        Assert.Equal(new KillPlan(KillTargets.Cgroup, 2, true, true), KillIn(a));
    }

    [Fact]
    public void A_failing_ExecStartPre_fails_the_start_and_a_dash_ignores_it()
    {
        var m = Machine("ExecStartPre=/bin/false\nExecStart=/bin/true\n");
        m.Handle(ServiceEvent.StartRequest, AllGone);
        Assert.Equal(ServiceState.StartPre, m.State);
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(1)), AllGone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.ExitCode, m.Result);

        m = Machine("ExecStartPre=-/bin/false\nExecStart=/bin/true\n");
        m.Handle(ServiceEvent.StartRequest, AllGone);
        var a = m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(1)), AllGone);
        Assert.Contains(new StartMain(0), a);
    }

    [Fact]
    public void Oneshot_runs_its_commands_in_turn_then_goes_inactive_with_success()
    {
        var m = Machine("Type=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n");
        m.Handle(ServiceEvent.StartRequest, AllGone);
        m.Handle(ServiceEvent.Started, Running);
        Assert.Equal(ServiceState.Start, m.State);
        var a = m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), AllGone);
        Assert.Contains(new StartMain(1), a);
        m.Handle(ServiceEvent.Started, Running);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), AllGone);
        Assert.Equal(ServiceState.Dead, m.State);
        Assert.Equal(ServiceResult.Success, m.Result);
    }

    [Fact]
    public void Spawn_failure_fails_the_start()
    {
        var m = Machine("ExecStart=/bin/true\n");
        m.Handle(ServiceEvent.StartRequest, AllGone);
        m.Handle(ServiceEvent.Failed(ServiceResult.ExitCode), AllGone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.ExitCode, m.Result);
    }

    [Fact]
    public void Main_exit_while_running_stops_the_rest_and_records_the_result()
    {
        var m = Started("ExecStart=/bin/sleep 1\n");
        var a = m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(3)), MainGoneRestAlive);
        Assert.Equal(ServiceState.StopSigterm, m.State);
        Assert.Equal(KillTargets.Cgroup, KillIn(a)!.Targets);
        m.Handle(ServiceEvent.Empty, AllGone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.ExitCode, m.Result);
        Assert.Equal(ExitStatus.Exited(3), m.MainExit);
    }

    [Fact]
    public void A_main_process_killed_by_the_OOM_killer_gives_Result_oom_kill()
    {
        var m = Started("ExecStart=/bin/sleep 1\n");
        m.Handle(ServiceEvent.MainExit(ExitStatus.Killed(9), oomKilled: true), AllGone);
        Assert.Equal(ServiceState.Failed, m.State);
        Assert.Equal(ServiceResult.OomKill, m.Result);
    }

    [Fact]
    public void Forking_service_reads_its_pid_file_after_the_starter_exits()
    {
        var m = Machine("Type=forking\nPIDFile=/run/x.pid\nExecStart=/usr/sbin/x\n");
        var a = m.Handle(ServiceEvent.StartRequest, AllGone);
        Assert.Contains(new RunControl(ExecPhase.Start, 0), a);
        a = m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), MainGoneRestAlive);
        Assert.Contains(new ReadPidFile(), a);
        m.Handle(ServiceEvent.Started, Running);
        Assert.Equal(ServiceState.Running, m.State);
    }

    [Fact]
    public void Reload_runs_ExecReload_and_returns_to_running()
    {
        var m = Started("ExecStart=/bin/sleep 1\nExecReload=/bin/kill -HUP $MAINPID\n");
        var a = m.Handle(ServiceEvent.ReloadRequest, Running);
        Assert.Equal(ServiceState.Reload, m.State);
        Assert.Contains(new RunControl(ExecPhase.Reload, 0), a);
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), Running);
        Assert.Equal(ServiceState.Running, m.State);
    }

    [Fact]
    public void Events_that_do_not_apply_change_nothing()
    {
        var m = Machine("ExecStart=/bin/true\n");
        Assert.Empty(m.Handle(ServiceEvent.StopRequest(), AllGone));
        Assert.Empty(m.Handle(ServiceEvent.TimedOut, AllGone));
        Assert.Equal(ServiceState.Dead, m.State);
    }

    [Theory]
    [InlineData(1, 0, "Success")]
    [InlineData(1, 3, "ExitCode")]
    [InlineData(1, 137, "ExitCode")]
    [InlineData(2, 9, "Signal")]
    [InlineData(2, 15, "Success")]
    [InlineData(3, 11, "CoreDump")]
    [InlineData(1, 75, "Success")]
    public void Exit_classification_never_confuses_exit_137_with_SIGKILL(int code, int value, string result)
    {
        var success = new ExitStatusSet(new HashSet<int> { 75 }, new HashSet<int>());
        Assert.Equal(Enum.Parse<ServiceResult>(result), ExitClassifier.Classify(new ExitStatus((ExitCode)code, value), success, daemonMain: true));
    }
}
