using Corral.Core.State;
using Corral.Core.Units;
using static Corral.Core.State.ServiceAction;

namespace Corral.Core.Tests;

/// <summary>RemainAfterExit= (issue #14, item 2): a run that ended well stays active (exited) until it is stopped.</summary>
public sealed class RemainAfterExitTests
{
    private static readonly ServiceFacts Gone = new(MainAlive: false, ControlAlive: false, CgroupEmpty: true);
    private static readonly ServiceFacts Alive = new(MainAlive: true, ControlAlive: false, CgroupEmpty: false);

    private static ServiceStateMachine Machine(string service) =>
        new(ServiceUnitLoader.Load("/u/r.service", "[Service]\n" + service).Unit!);

    [Fact]
    public void A_oneshot_that_remains_is_active_exited_and_runs_ExecStop_only_when_stopped()
    {
        var m = Machine("Type=oneshot\nRemainAfterExit=yes\nExecStart=/bin/setup\nExecStop=/bin/teardown\n");
        m.Handle(ServiceEvent.StartRequest, Gone);
        m.Handle(ServiceEvent.Started, Alive);
        var a = m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), Gone);

        Assert.Equal(ServiceState.Exited, m.State);
        Assert.Equal(("active", "exited"), (ServiceStateNames.ActiveState(m.State), ServiceStateNames.SubState(m.State)));
        Assert.DoesNotContain(a, x => x is RunControl);
        Assert.True(m.ReachedRunning);
        Assert.Equal(StartAdmission.AlreadyUnderWay, m.AdmitStart());

        var stop = m.Handle(ServiceEvent.StopRequest(), Gone);
        Assert.Contains(new RunControl(ExecPhase.Stop, 0), stop);
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), Gone);
        Assert.Equal(ServiceState.Dead, m.State);
    }

    [Fact]
    public void Without_it_a_oneshot_goes_inactive_at_once_and_its_ExecStop_runs_right_away_as_in_systemd()
    {
        var m = Machine("Type=oneshot\nExecStart=/bin/setup\nExecStop=/bin/teardown\n");
        m.Handle(ServiceEvent.StartRequest, Gone);
        m.Handle(ServiceEvent.Started, Alive);
        var a = m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), Gone);
        Assert.Contains(new RunControl(ExecPhase.Stop, 0), a);
    }

    [Fact]
    public void A_failed_run_does_not_remain_and_a_simple_service_whose_main_ends_well_does()
    {
        var failed = Machine("Type=oneshot\nRemainAfterExit=yes\nExecStart=/bin/setup\n");
        failed.Handle(ServiceEvent.StartRequest, Gone);
        failed.Handle(ServiceEvent.Started, Alive);
        failed.Handle(ServiceEvent.MainExit(ExitStatus.Exited(1)), Gone);
        Assert.Equal(ServiceState.Failed, failed.State);

        var simple = Machine("RemainAfterExit=yes\nExecStart=/bin/daemonish\n");
        simple.Handle(ServiceEvent.StartRequest, Gone);
        simple.Handle(ServiceEvent.Started, Alive);
        Assert.Equal(ServiceState.Running, simple.State);
        simple.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), Gone);
        Assert.Equal(ServiceState.Exited, simple.State);
    }

    [Fact]
    public void A_reload_of_an_exited_unit_runs_ExecReload_and_returns_to_exited()
    {
        var m = Machine("Type=oneshot\nRemainAfterExit=yes\nExecStart=/bin/setup\nExecReload=/bin/again\n");
        m.Handle(ServiceEvent.StartRequest, Gone);
        m.Handle(ServiceEvent.Started, Alive);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(0)), Gone);
        Assert.Contains(new RunControl(ExecPhase.Reload, 0), m.Handle(ServiceEvent.ReloadRequest, Gone));
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), Gone);
        Assert.Equal(ServiceState.Exited, m.State);
    }
}
