using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>ZombieMax= raises a notice when crossed and again when cleared; ZombieAction= restarts or stops the service.</summary>
public sealed class ZombieLimitScenarios : Scenario
{
    // The monitor's default interval: the factory makes its zombies over about a second, and the
    // counts these tests expect are those a pass sees once all are there. Waits count passes.
    private int StartFactory(string unit, string xCorral)
    {
        StartService(unit, $"[Service]\nExecStart={F.Workload("--reap-on USR1 zombies 5")}\nTimeoutStopSec=5\n[X-Corral]\n{xCorral}");
        WaitForRecorded(6);
        // ExecMainPID, not MainPID: under load the monitor may already have acted on the zombies
        // (ZombieAction=stop leaves MainPID 0), and ExecMainPID names the same process either way.
        return int.Parse(F.Prop(unit, "ExecMainPID"));
    }

    [Fact]
    public void Crossing_ZombieMax_raises_a_notice_naming_the_parent_and_reaping_clears_it()
    {
        int main = StartFactory("zl", "ZombieMax=3\n");

        var exceeded = WaitForNotice("zl", "zombies-exceeded");
        Assert.Equal(5, exceeded.GetProperty("count").GetInt32());
        Assert.Equal(main, exceeded.GetProperty("pid").GetInt32());
        Assert.Equal($"5 zombies, more than ZombieMax=3: pid {main} (corral-workload) has not reaped 5", exceeded.GetProperty("message").GetString());
        Assert.Contains("Zombies: 5 (max: 3)", F.Cli("status", "zl").Stdout);
        Assert.Equal(main.ToString(), F.Prop("zl", "MainPID")); // ZombieAction=none: only the notice

        Assert.Equal(0, F.Cli("kill", "zl", "--kill-whom=main", "--signal=USR1").ExitCode);

        var cleared = WaitForNotice("zl", "zombies-cleared");
        Assert.Equal(0, cleared.GetProperty("count").GetInt32());
        Assert.Equal("0 zombies, back within ZombieMax=3", cleared.GetProperty("message").GetString());
        Assert.Single(Notices("zl"), n => n.GetProperty("kind").GetString() == "zombies-exceeded");
        Assert.DoesNotContain("Zombies:", F.Cli("status", "zl").Stdout);
        // The text listing shows both, in order, among the unit's events.
        var lines = F.Cli("events", "--unit", "zl").Stdout.Split('\n');
        Assert.True(Array.FindIndex(lines, l => l.Contains(" zl.service zombies-exceeded 5 zombies")) < Array.FindIndex(lines, l => l.Contains(" zl.service zombies-cleared ")));
    }

    [Fact]
    public void At_the_limit_nothing_is_raised()
    {
        StartFactory("zk", "ZombieMax=5\n");
        Wait.Until(() => F.Cli("status", "zk").Stdout.Contains("Zombies: 5 (max: 5)"), TimeSpan.FromSeconds(10), "the 5 zombies");
        WaitForMonitorTicks(2);
        Assert.Empty(Notices("zk"));
    }

    [Fact]
    public void ZombieAction_restart_restarts_the_factory_and_the_record_says_why()
    {
        int main = StartFactory("zr", "ZombieMax=2\nZombieAction=restart\n");

        var exceeded = WaitForNotice("zr", "zombies-exceeded");
        Assert.EndsWith("; restarting the service (ZombieAction=restart)", exceeded.GetProperty("message").GetString());
        Wait.Until(() => F.Prop("zr", "MainPID") is var p && p != "0" && p != main.ToString(), TimeSpan.FromSeconds(15), "a new main process");
        Assert.Equal("active", F.Prop("zr", "ActiveState"));

        using var why = JsonDocument.Parse(F.Cli("why", "zr", "--all", "-n", "100", "--json").Stdout);
        var death = why.RootElement.GetProperty("deaths").EnumerateArray().Single(d => d.GetProperty("pid").GetInt32() == main);
        Assert.Equal("corral", death.GetProperty("cause").GetString());
        Assert.Equal("ZombieAction=restart", death.GetProperty("corral").GetProperty("verb").GetString());
        Assert.Equal(0, F.Cli("stop", "zr").ExitCode);
    }

    [Fact]
    public void ZombieAction_stop_stops_the_service()
    {
        int main = StartFactory("zs", "ZombieMax=4\nZombieAction=stop\n");

        WaitForNotice("zs", "zombies-exceeded");
        Wait.Until(() => F.Prop("zs", "ActiveState") == "inactive", TimeSpan.FromSeconds(15), "the service to stop");
        AssertNoSurvivors();
        WaitForNotice("zs", "zombies-cleared");
        using var why = JsonDocument.Parse(F.Cli("why", "zs", "--json").Stdout);
        var death = why.RootElement.GetProperty("deaths").EnumerateArray().First();
        Assert.Equal(main, death.GetProperty("pid").GetInt32());
        Assert.Equal("ZombieAction=stop", death.GetProperty("corral").GetProperty("verb").GetString());
    }
}
