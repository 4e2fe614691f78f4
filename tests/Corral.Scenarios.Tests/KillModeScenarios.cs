using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K9: KillMode= decides who the stop reaches, as in systemd.kill(5).</summary>
public sealed class KillModeScenarios : Scenario
{
    private HashSet<int> PidsThatLogged(string sig) => F.SignalLines()
        .Select(l => l.Split(' ')).Where(p => p.Length == 2 && p[1] == sig).Select(p => int.Parse(p[0])).ToHashSet();

    private (int Main, List<int> Others) StartTree(string killMode)
    {
        StartService("k9", $"[Service]\nExecStart={F.Workload("--log-signals sigtree")}\nKillMode={killMode}\nTimeoutStopSec=5\n");
        WaitForRecorded(3);
        int main = int.Parse(F.Prop("k9", "MainPID"));
        return (main, Survivors.Recorded(F.PidsDir).Where(p => p != main).ToList());
    }

    [Fact]
    public void K9_Process_mode_stops_only_the_main_process_and_reports_the_rest_as_left_over()
    {
        var (main, rest) = StartTree("process");

        var stop = F.Cli("stop", "k9");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal([main], PidsThatLogged("TERM"));
        Assert.Equal(rest.Order(), Survivors.Alive(F.PidsDir).Order());
        Assert.Contains("left running", stop.Stderr);
        foreach (int pid in rest) Assert.Contains(pid.ToString(), stop.Stderr);
        Assert.Equal("inactive", F.Prop("k9", "ActiveState"));
        Assert.Contains("Left over", F.Cli("status", "k9").Stdout);
    }

    [Fact]
    public void K9_Mixed_mode_sends_SIGTERM_to_main_and_SIGKILL_to_the_rest()
    {
        var (main, _) = StartTree("mixed");

        var stop = F.Cli("stop", "k9");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal([main], PidsThatLogged("TERM"));
        AssertNoSurvivors();
        Assert.False(Directory.Exists(F.CgroupOf("k9").Path));
    }

    [Fact]
    public void K9_Control_group_mode_sends_SIGTERM_to_every_process()
    {
        var (main, rest) = StartTree("control-group");

        var stop = F.Cli("stop", "k9");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal(rest.Append(main).Order(), PidsThatLogged("TERM").Order());
        AssertNoSurvivors();
    }

    [Fact]
    public void K9_None_mode_signals_no_process()
    {
        StartTree("none");

        var stop = F.Cli("stop", "k9");

        Assert.Equal(0, stop.ExitCode);
        Assert.Empty(PidsThatLogged("TERM"));
        Assert.Equal(3, Survivors.Alive(F.PidsDir).Count);
        Assert.Equal("inactive", F.Prop("k9", "ActiveState"));
    }
}
