using Corral.Core.State;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>Every cell of the lifecycle's (state × event) table is a named transition or ignored for a reason it gives.</summary>
public sealed class LifecycleTableTests
{
    private static ServiceUnit Unit() =>
        ServiceUnitLoader.Load("/u/t.service", "[Service]\nExecStart=/bin/sleep 1\nExecStartPre=/bin/true\nExecStop=/bin/true\nExecReload=/bin/true\n").Unit!;

    public static TheoryData<ServiceState, ServiceEventKind> Cells()
    {
        var cells = new TheoryData<ServiceState, ServiceEventKind>();
        foreach (var s in Enum.GetValues<ServiceState>())
            foreach (var k in Enum.GetValues<ServiceEventKind>()) cells.Add(s, k);
        return cells;
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Each_cell_is_a_transition_or_ignored_with_a_reason_never_both(ServiceState state, ServiceEventKind kind)
    {
        bool transition = ServiceStateMachine.HasTransition(state, kind);
        bool ignored = ServiceStateMachine.Ignored.TryGetValue((state, kind), out var why);
        Assert.True(transition != ignored, $"{kind} in {state}: {(transition ? "both a transition and ignored" : "neither a transition nor ignored")}");
        if (ignored) Assert.False(string.IsNullOrWhiteSpace(why));
    }

    [Fact]
    public void An_ignored_cell_changes_nothing_and_asks_for_nothing_whatever_the_facts()
    {
        ServiceFacts[] facts = [new(true, true, false), new(false, false, true), new(true, false, false)];
        foreach (var ((state, kind), why) in ServiceStateMachine.Ignored)
            foreach (var f in facts)
            {
                var m = ServiceStateMachine.InState(Unit(), state);
                var actions = m.Handle(new ServiceEvent(kind, ExitStatus.Exited(1)), f);
                Assert.True(actions.Count == 0 && m.State == state, $"{kind} in {state} ({why}) gave {string.Join(", ", actions)} and {m.State}");
            }
    }

    [Fact]
    public void Every_kill_the_machine_asks_for_says_why()
    {
        var m = new ServiceStateMachine(Unit());
        var facts = new ServiceFacts(true, false, false);
        m.Handle(ServiceEvent.StartRequest, facts);
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), facts);
        m.Handle(ServiceEvent.Started, facts);
        m.Handle(ServiceEvent.StopRequest(TimeSpan.FromSeconds(3)), facts);
        var term = m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), facts).OfType<ServiceAction.Kill>().Single();
        Assert.Equal("KillSignal= to stop (KillMode=control-group)", term.Reason);
        var kill = m.Handle(ServiceEvent.TimedOut, facts).OfType<ServiceAction.Kill>().Single();
        Assert.Equal("TimeoutStopSec= (3s) passed: FinalKillSignal=", kill.Reason);
    }

    [Fact]
    public void A_start_job_is_done_once_its_run_reached_running_even_if_it_died_after()
    {
        var m = new ServiceStateMachine(ServiceUnitLoader.Load("/u/t.service", "[Service]\nExecStart=/bin/sleep 1\nRestart=always\n").Unit!);
        var alive = new ServiceFacts(true, false, false);
        var gone = new ServiceFacts(false, false, true);
        Assert.Equal(StartAdmission.Begin, m.AdmitStart());
        m.Handle(ServiceEvent.StartRequest, gone);
        Assert.Equal(StartAdmission.AlreadyUnderWay, m.AdmitStart());
        Assert.False(m.ReachedRunning);
        m.Handle(ServiceEvent.Started, alive);
        Assert.True(m.ReachedRunning);
        m.Handle(ServiceEvent.MainExit(ExitStatus.Exited(1)), gone);
        Assert.Equal(ServiceState.AutoRestart, m.State);
        Assert.True(m.ReachedRunning); // the job that started it was done; the restart is the service's own
        m.Handle(ServiceEvent.StartRequest, gone);
        Assert.False(m.ReachedRunning); // a new start job, a new run
    }
}
