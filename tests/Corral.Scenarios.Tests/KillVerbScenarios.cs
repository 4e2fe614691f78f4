using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K7: corral kill reaches whom it is told, once each, with signals named any way systemd allows.</summary>
public sealed class KillVerbScenarios : Scenario
{
    private Dictionary<int, int> HupsPerPid() => F.SignalLines()
        .Select(l => l.Split(' ')).Where(p => p.Length == 2 && p[1] == "HUP")
        .GroupBy(p => int.Parse(p[0])).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void K7_Kill_all_reaches_each_process_of_the_tree_exactly_once()
    {
        StartService("k7", $"[Service]\nExecStart={F.Workload("--log-signals sigtree")}\n");
        WaitForRecorded(3);
        var pids = Survivors.Recorded(F.PidsDir);
        string main = F.Prop("k7", "MainPID");

        var r = F.Cli("kill", "k7", "-s", "HUP", "--kill-whom=all");
        Assert.True(r.ExitCode == 0, r.ToString());
        Wait.Until(() => HupsPerPid().Count == 3, TimeSpan.FromSeconds(5), "three HUPs");
        Thread.Sleep(300); // a duplicate would arrive meanwhile
        Assert.Equal(pids.Order(), HupsPerPid().Keys.Order());
        Assert.All(HupsPerPid().Values, n => Assert.Equal(1, n));

        r = F.Cli("kill", "k7", "--signal", "SIGHUP", "--kill-whom", "main");
        Assert.True(r.ExitCode == 0, r.ToString());
        Wait.Until(() => HupsPerPid()[int.Parse(main)] == 2, TimeSpan.FromSeconds(5), "a second HUP at main");
        Thread.Sleep(300);
        Assert.All(HupsPerPid().Where(kv => kv.Key != int.Parse(main)), kv => Assert.Equal(1, kv.Value));

        r = F.Cli("kill", "k7", "-s", "1", "--kill-who=all");
        Assert.True(r.ExitCode == 0, r.ToString());
        Wait.Until(() => HupsPerPid().Values.Sum() == 3 + 1 + 3, TimeSpan.FromSeconds(5), "another HUP each");
        Assert.Equal(3, Survivors.Alive(F.PidsDir).Count);
    }

    [Theory]
    [InlineData("hup")]
    [InlineData("99")]
    [InlineData("SIGFOO")]
    public void K7_Kill_rejects_a_signal_that_is_not_one(string signal)
    {
        StartService("k7bad", $"[Service]\nExecStart={F.Workload("--log-signals sleep")}\n");
        WaitForRecorded(1);

        var r = F.Cli("kill", "k7bad", "-s", signal);

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"'{signal}' is not a signal", r.Stderr);
        Assert.Empty(F.SignalLines());
        Assert.Single(Survivors.Alive(F.PidsDir));
    }
}
