using Corral.Core.State;
using Corral.Core.Units;
using static Corral.Core.State.ServiceAction;

namespace Corral.Core.Tests;

/// <summary>Condition*=, Assert*= and ExecCondition= (issue #14, item 2) as the loader reads them and the lifecycle runs them.</summary>
public sealed class ConditionTests
{
    private static readonly ServiceFacts Gone = new(MainAlive: false, ControlAlive: false, CgroupEmpty: true);
    private static readonly ServiceFacts Control = new(MainAlive: false, ControlAlive: true, CgroupEmpty: false);

    private static UnitLoadResult Load(string unitSection, string service = "") =>
        ServiceUnitLoader.Load("/u/c.service", "[Unit]\n" + unitSection + "[Service]\nExecStart=/bin/a\n" + service);

    [Fact]
    public void Prefixes_say_negation_and_triggering_and_an_empty_assignment_resets_them_all()
    {
        var u = Load("ConditionPathExists=!/etc/x\nConditionPathExists=|/a\nConditionPathIsDirectory=| !/b\nAssertFileNotEmpty=/c\n").Unit!;
        Assert.Equal([new UnitCondition("PathExists", "/etc/x", true, false, false), new UnitCondition("PathExists", "/a", false, true, false),
            new UnitCondition("PathIsDirectory", "/b", true, true, false)], u.Conditions);
        Assert.Equal("AssertFileNotEmpty=/c", Assert.Single(u.Asserts).ToString());
        Assert.Equal("ConditionPathIsDirectory=|!/b", u.Conditions[2].ToString());

        var reset = Load("ConditionPathExists=/a\nConditionHost=x\nConditionPathExists=\nConditionVirtualization=container\n").Unit!;
        Assert.Equal("ConditionVirtualization=container", Assert.Single(reset.Conditions).ToString());
    }

    [Theory]
    [InlineData("ConditionPathExists=relative", "must be an absolute path")]
    [InlineData("ConditionFileNotEmpty=!", "has nothing to test")]
    [InlineData("AssertPathIsDirectory=etc", "must be an absolute path")]
    public void A_malformed_condition_is_an_error_with_its_line(string line, string why)
    {
        var r = Load(line + "\n");
        Assert.Null(r.Unit);
        Assert.StartsWith($"/u/c.service:2: {line}", r.FirstError);
        Assert.Contains(why, r.FirstError);
    }

    [Fact]
    public void A_condition_Corral_does_not_evaluate_is_an_unknown_key_warning_not_silently_true()
    {
        var r = Load("ConditionACPower=true\n");
        Assert.NotNull(r.Unit);
        Assert.Contains(r.Diagnostics, d => d.Severity == Severity.Warning && d.Message.Contains("unknown key ConditionACPower="));
    }

    [Fact]
    public void Every_plain_condition_must_hold_and_of_the_triggering_ones_one_is_enough()
    {
        UnitCondition C(string v, bool trigger = false) => new("PathExists", v, false, trigger, false);
        var holding = new HashSet<string> { "/yes", "/also" };
        bool Holds(UnitCondition c) => holding.Contains(c.Value);

        Assert.Null(UnitCondition.FirstUnmet([C("/yes"), C("/no", true), C("/also", true)], Holds));
        Assert.Equal("/no", UnitCondition.FirstUnmet([C("/yes"), C("/no"), C("/also", true)], Holds)!.Value);
        Assert.Equal("/no", UnitCondition.FirstUnmet([C("/yes"), C("/no", true), C("/none", true)], Holds)!.Value);
        Assert.Null(UnitCondition.FirstUnmet([], Holds));
    }

    private static ServiceStateMachine Machine(string service) =>
        new(ServiceUnitLoader.Load("/u/c.service", "[Service]\nExecStart=/bin/a\nRestart=always\n" + service).Unit!);

    [Fact]
    public void ExecCondition_runs_first_and_its_exit_0_goes_on_to_ExecStartPre()
    {
        var m = Machine("ExecCondition=/bin/check\nExecStartPre=/bin/pre\n");
        var a = m.Handle(ServiceEvent.StartRequest, Gone);
        Assert.Equal(ServiceState.Condition, m.State);
        Assert.Equal(("activating", "condition"), (ServiceStateNames.ActiveState(m.State), ServiceStateNames.SubState(m.State)));
        Assert.Contains(new RunControl(ExecPhase.Condition, 0), a);

        var b = m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(0)), Gone);
        Assert.Equal(ServiceState.StartPre, m.State);
        Assert.Contains(new RunControl(ExecPhase.StartPre, 0), b);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(254)]
    public void ExecCondition_exiting_1_to_254_skips_the_start_inactive_not_failed_and_nothing_restarts_it(int code)
    {
        var m = Machine("ExecCondition=/bin/check --now\n");
        m.Handle(ServiceEvent.StartRequest, Gone);
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(code)), Gone);
        m.Handle(ServiceEvent.Empty, Gone);

        Assert.Equal(ServiceState.Dead, m.State);
        Assert.Equal(ServiceResult.ExecCondition, m.Result);
        Assert.Equal("exec-condition", ServiceResultNames.Format(m.Result));
        Assert.Equal($"ExecCondition=/bin/check --now exited with status {code}", m.UnmetCondition);
    }

    [Fact]
    public void ExecCondition_exiting_255_or_killed_fails_the_start_and_a_dash_forgives_any_exit()
    {
        var m = Machine("ExecCondition=/bin/check\n");
        m.Handle(ServiceEvent.StartRequest, Gone);
        m.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(255)), Gone);
        m.Handle(ServiceEvent.Empty, Gone);
        Assert.Equal(ServiceResult.ExitCode, m.Result);
        Assert.NotEqual(ServiceState.Dead, m.State); // failed, or restarting as Restart=always says

        var k = Machine("ExecCondition=/bin/check\n");
        k.Handle(ServiceEvent.StartRequest, Gone);
        k.Handle(ServiceEvent.ControlExit(ExitStatus.Killed(9)), Gone);
        Assert.Equal(ServiceResult.Signal, k.Result);

        var forgiven = Machine("ExecCondition=-/bin/check\n");
        forgiven.Handle(ServiceEvent.StartRequest, Gone);
        forgiven.Handle(ServiceEvent.ControlExit(ExitStatus.Exited(3)), Control);
        Assert.Equal(ServiceState.Start, forgiven.State);
    }
}
