using System.Text.Json;
using Corral.Linux.Procfs;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS Z1 and Z2: orphans are reaped and recorded; a zombie factory is seen and named.</summary>
public sealed class ZombieScenarios : Scenario
{
    [Fact]
    public void Z1_After_an_orphan_storm_no_zombie_is_left_whose_parent_is_Corral()
    {
        StartService("z1", $"[Service]\nExecStart={F.Workload("orphans 100")}\n");
        WaitForRecorded(201); // main, 100 children, 100 orphaned grandchildren
        Wait.Until(() => Survivors.Alive(F.PidsDir).Count == 1, TimeSpan.FromSeconds(20), "the orphans to exit");
        Thread.Sleep(2000);

        var zombiesOfCorral = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) && ProcReader.TryReadStat(pid, out var st) ? st : null)
            .Where(st => st is not null && st.State == 'Z' && st.Ppid == F.DaemonPid).Select(st => st!.Pid).ToList();
        Assert.True(zombiesOfCorral.Count == 0, $"zombies whose parent is the daemon: {string.Join(' ', zombiesOfCorral)}");

        // Their exits are recorded too: every one of the 200 ended with status 0.
        var r = F.Cli("why", "z1", "--all", "-n", "1000", "--json");
        using var doc = JsonDocument.Parse(r.Stdout);
        var exits = doc.RootElement.GetProperty("deaths").EnumerateArray()
            .Where(d => d.GetProperty("cause").GetString() == "exit" && d.GetProperty("status").GetInt32() == 0).Select(d => d.GetProperty("pid").GetInt32()).ToHashSet();
        int main = int.Parse(F.Prop("z1", "MainPID"));
        Assert.All(Survivors.Recorded(F.PidsDir).Where(p => p != main), p => Assert.Contains(p, exits));
    }

    [Fact]
    public void Z2_A_parent_that_never_reaps_is_named_with_its_zombie_count_in_status_and_ps()
    {
        StartService("z2", $"[Service]\nExecStart={F.Workload("zombies 5")}\n");
        WaitForRecorded(6);
        int main = int.Parse(F.Prop("z2", "MainPID"));
        Wait.Until(() => Survivors.Alive(F.PidsDir).Count == 1, TimeSpan.FromSeconds(10), "the children to exit");

        string status = F.Cli("status", "z2").Stdout;
        Assert.Contains($"Zombies: 5 — pid {main} (corral-workload) has not reaped 5", status);

        var ps = F.Cli("ps", "z2");
        Assert.Equal(0, ps.ExitCode);
        var zombieRows = ps.Stdout.Split('\n').Where(l => l.StartsWith("Z ")).ToList();
        Assert.Equal(5, zombieRows.Count);
        Assert.All(zombieRows, l => Assert.Contains("<defunct>", l));
        Assert.Contains($"zombies: 5 exited children of pid {main} (corral-workload) not reaped", ps.Stdout);

        using var json = JsonDocument.Parse(F.Cli("ps", "z2", "--json").Stdout);
        var group = Assert.Single(json.RootElement.GetProperty("zombies").EnumerateArray());
        Assert.Equal(main, group.GetProperty("parentPid").GetInt32());
        Assert.Equal(5, group.GetProperty("count").GetInt32());

        Assert.Equal(0, F.Cli("stop", "z2").ExitCode);
        AssertNoSurvivors();
        Assert.DoesNotContain("Zombies:", F.Cli("status", "z2").Stdout);
    }
}
