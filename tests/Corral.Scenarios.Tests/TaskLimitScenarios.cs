using Corral.Linux.Cgroups;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K6: TasksMax= bounds a fork storm, and stop still leaves nothing.</summary>
public sealed class TaskLimitScenarios : Scenario
{
    [Fact]
    public void K6_Fork_storm_never_exceeds_TasksMax_and_stop_leaves_nothing()
    {
        StartService("k6", $"[Service]\nExecStart={F.Workload("forkstorm 20")}\nTasksMax=64\nTimeoutStopSec=5\n");
        var cg = F.CgroupOf("k6");
        Assert.Equal(64UL, F.Cgroups.TasksLimit(cg));

        ulong peak = 0;
        var end = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < end)
        {
            peak = Math.Max(peak, F.Cgroups.TasksCurrent(cg) ?? 0);
            Thread.Sleep(5);
        }
        // The kernel refused forks at the limit: the storm did press against it.
        string eventsFile = cg.PidsV1Path is { } v1 ? Path.Combine(v1, "pids.events") : Path.Combine(cg.Path, "pids.events");
        string events = CgroupFile.Read(eventsFile);
        ulong refused = ulong.Parse(events.Split('\n').First(l => l.StartsWith("max ")).Split(' ')[1]);

        var stop = F.Cli("stop", "k6");

        Assert.InRange(peak, 1UL, 64UL);
        Assert.True(refused > 0, $"expected forks refused at TasksMax, pids.events: {events}");
        Assert.Equal(0, stop.ExitCode);
        AssertNoSurvivors();
        Assert.False(Directory.Exists(cg.Path));
    }
}
