using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS K12: Type=forking with PIDFile=: the forked daemon becomes the main process.</summary>
public sealed class ForkingScenarios : Scenario
{
    [Fact]
    public void K12_Forking_service_is_tracked_by_its_pid_file_and_stopped()
    {
        string pidFile = Path.Combine(F.Dir, "daemon.pid");
        StartService("k12", $"[Service]\nType=forking\nPIDFile={pidFile}\nExecStart={F.Workload("--log-signals forking " + pidFile)}\nTimeoutStopSec=5\n");

        int daemonPid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.Equal(daemonPid.ToString(), F.Prop("k12", "MainPID"));
        Assert.Equal("active", F.Prop("k12", "ActiveState"));
        Assert.Equal([daemonPid], CgroupPids("k12"));

        var stop = F.Cli("stop", "k12");

        Assert.Equal(0, stop.ExitCode);
        Assert.Equal([$"{daemonPid} TERM"], F.SignalLines());
        AssertNoSurvivors();
        Assert.Equal("success", F.Prop("k12", "Result"));
        Assert.Equal("15", F.Prop("k12", "ExecMainStatus"));
    }

    [Fact]
    public void Forking_service_whose_pid_file_names_a_foreign_process_fails_to_start()
    {
        string pidFile = Path.Combine(F.Dir, "daemon.pid");
        F.WriteUnit("k12bad", $"[Service]\nType=forking\nPIDFile={pidFile}\nExecStart=/bin/sh -c 'echo $$PPID > {pidFile}'\n");
        F.Start();

        var start = F.Cli("start", "k12bad");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("not in the service's cgroup", start.Stderr);
        Assert.Equal("failed", F.Prop("k12bad", "ActiveState"));
        Assert.Equal("protocol", F.Prop("k12bad", "Result"));
    }
}
