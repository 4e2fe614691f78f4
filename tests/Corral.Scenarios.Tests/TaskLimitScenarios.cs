using Corral.Linux.Cgroups;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K6: TasksMax= bounds a fork storm, and stop still leaves nothing.</summary>
public sealed class TaskLimitScenarios : Scenario
{
    [Fact]
    public void K6_Fork_storm_never_exceeds_TasksMax_and_stop_leaves_nothing()
    {
        // Children live 2 s, so the storm reaches the limit however slowly this machine forks today
        // (64 forks within a child's life; at 100 ms a slow day's CI missed it).
        StartService("k6", $"[Service]\nExecStart={F.Workload("forkstorm 60 2000")}\nTasksMax=64\nTimeoutStopSec=5\n");
        var cg = F.CgroupOf("k6");
        Assert.Equal(64UL, F.Cgroups.TasksLimit(cg));

        // Watch until the kernel has refused forks at the limit (the storm pressed against it) and a
        // little beyond, so the peak is sampled while the storm goes on.
        string eventsFile = cg.PidsV1Path is { } v1 ? Path.Combine(v1, "pids.events") : Path.Combine(cg.Path, "pids.events");
        string events = "";
        ulong peak = 0, refused = 0;
        var giveUp = DateTime.UtcNow.AddSeconds(40);
        DateTime? refusedAt = null;
        while (DateTime.UtcNow < giveUp && (refusedAt is null || DateTime.UtcNow < refusedAt.Value.AddSeconds(1)))
        {
            peak = Math.Max(peak, F.Cgroups.TasksCurrent(cg) ?? 0);
            events = CgroupFile.Read(eventsFile);
            refused = ulong.Parse(events.Split('\n').First(l => l.StartsWith("max ")).Split(' ')[1]);
            if (refused > 0)
                refusedAt ??= DateTime.UtcNow;
            Thread.Sleep(5);
        }

        var stop = F.Cli("stop", "k6");

        Assert.InRange(peak, 1UL, 64UL);
        Assert.True(refused > 0, $"expected forks refused at TasksMax, pids.events: {events}");
        Assert.Equal(0, stop.ExitCode);
        AssertNoSurvivors();
        Assert.False(Directory.Exists(cg.Path));
    }
}
