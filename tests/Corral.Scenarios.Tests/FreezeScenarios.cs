using Corral.Linux.Cgroups;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>Issue #12: freeze and thaw a whole service at once, through the kernel's cgroup freezer.</summary>
public sealed class FreezeScenarios : Scenario
{
    /// <summary>The CPU time the cgroup's processes have used, all of them together (cpu.stat of cgroup v2).</summary>
    private ulong CpuUsec(ServiceCgroup cg) =>
        ulong.Parse(CgroupFile.Read(Path.Combine(cg.Path, "cpu.stat")).Split('\n').First(l => l.StartsWith("usage_usec ")).Split(' ')[1]);

    /// <summary>Every process of the cgroup with its CPU time so far (utime + stime of /proc/PID/stat).</summary>
    private Dictionary<int, long> Progress(ServiceCgroup cg)
    {
        var result = new Dictionary<int, long>();
        foreach (int pid in F.Cgroups.ReadPids(cg))
        {
            if (!Linux.Procfs.ProcReader.TryReadStat(pid, out var st)) continue;
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            result[pid] = long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime
        }
        return result;
    }

    [Fact]
    public void A_frozen_fork_storm_does_not_advance_at_all_and_thaws_on_demand()
    {
        // Children living 20 ms, forked as fast as possible: a frozen one that ran would exit, a parent that ran would fork.
        StartService("storm", $"[Service]\nExecStart={F.Workload("forkstorm 120 20")}\nTasksMax=200\n");
        var cg = F.CgroupOf("storm");
        Wait.Until(() => F.Cgroups.ReadPids(cg).Count > 1, TimeSpan.FromSeconds(10), "the storm to fork");

        var r = F.Cli("freeze", "storm");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("frozen", F.Prop("storm", "FreezerState"));
        Assert.Contains("Active: active (running) (frozen)", F.Cli("status", "storm").Stdout);
        Assert.Equal("1", CgroupFile.Read(Path.Combine(cg.Path, "cgroup.freeze")).Trim());

        var pidsBefore = F.Cgroups.ReadPids(cg).Order().ToList();
        var progressBefore = Progress(cg);
        ulong cpuBefore = CpuUsec(cg);
        Thread.Sleep(1500);
        // Not one process ran: the same processes, none forked or exited, not a microsecond of CPU among them.
        Assert.Equal(pidsBefore, F.Cgroups.ReadPids(cg).Order().ToList());
        Assert.Equal(progressBefore, Progress(cg));
        Assert.Equal(cpuBefore, CpuUsec(cg));

        Assert.Equal(0, F.Cli("thaw", "storm").ExitCode);
        Assert.Equal("running", F.Prop("storm", "FreezerState"));
        Wait.Until(() => CpuUsec(cg) > cpuBefore && !F.Cgroups.ReadPids(cg).Order().SequenceEqual(pidsBefore), TimeSpan.FromSeconds(10), "the storm to go on after the thaw");
        Assert.Equal(0, F.Cli("thaw", "storm").ExitCode); // thawing a running service changes nothing

        Assert.Equal(0, F.Cli("stop", "storm").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void Stopping_a_frozen_service_thaws_it_so_its_processes_handle_the_stop_signal()
    {
        StartService("calm", $"[Service]\nExecStart={F.Workload("--log-signals trap")}\nTimeoutStopSec=60\n");
        WaitForRecorded(2);
        Assert.Equal(0, F.Cli("freeze", "calm").ExitCode);

        var stop = F.Cli("stop", "calm");
        Assert.Equal(0, stop.ExitCode);
        Assert.Equal("inactive", F.Prop("calm", "ActiveState"));
        Assert.Equal("success", F.Prop("calm", "Result")); // not "timeout": SIGTERM was handled at once
        // The main process logged SIGTERM and ended by it: it ran to handle it.
        int main = int.Parse(F.Prop("calm", "ExecMainPID"));
        Assert.Contains($"{main} TERM", F.SignalLines());
        Assert.Equal("15", F.Prop("calm", "ExecMainStatus"));
        AssertNoSurvivors();
    }

    [Fact]
    public void Kill_with_SIGKILL_reaches_through_the_freeze_and_freeze_needs_a_running_service()
    {
        StartService("held", $"[Service]\nExecStart={F.Workload("tree 5")}\n");
        WaitForRecorded(5);
        Assert.Equal(0, F.Cli("freeze", "held").ExitCode);
        Assert.Equal(0, F.Cli("kill", "held", "-s", "KILL").ExitCode);
        Wait.Until(() => F.Prop("held", "ActiveState") is "failed" or "inactive", TimeSpan.FromSeconds(10), "the frozen service to die of SIGKILL");
        AssertNoSurvivors();

        var inactive = F.Cli("freeze", "held");
        Assert.Equal(1, inactive.ExitCode);
        Assert.Contains("only a running service can be frozen", inactive.Stderr);
        Assert.Equal(0, F.Cli("thaw", "held").ExitCode);
        Assert.Equal(5, F.Cli("freeze", "nosuch").ExitCode);
    }

    [Fact]
    public void Thawing_a_stopped_unit_whose_left_over_processes_are_not_frozen_leaves_them_as_they_are()
    {
        StartService("lefty", $"[Service]\nExecStart={F.Workload("tree 3")}\nKillMode=process\n");
        WaitForRecorded(3);
        Assert.Equal(0, F.Cli("stop", "lefty").ExitCode);
        var left = CgroupPids("lefty");
        Assert.NotEmpty(left); // KillMode=process: the rest of the tree stays, in the unit's cgroup

        var thaw = F.Cli("thaw", "lefty");
        Assert.True(thaw.ExitCode == 0, thaw.ToString());
        Assert.Equal("running", F.Prop("lefty", "FreezerState"));
        Assert.Equal(left.Order(), CgroupPids("lefty").Order());
        Assert.Contains("only a running service can be frozen", F.Cli("freeze", "lefty").Stderr);
        F.Cgroups.KillAll(F.CgroupOf("lefty"));
        Wait.Until(() => CgroupPids("lefty").Count == 0, TimeSpan.FromSeconds(10), "the left-over processes to die");
        AssertNoSurvivors();
    }
}
