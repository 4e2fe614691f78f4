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

    [Fact]
    public void A_pid_file_in_a_private_tmp_is_read_where_the_service_wrote_it()
    {
        // Inside, /tmp is the run's own: the daemon reads the file there, not in the host's /tmp.
        F.WriteUnit("boxed", "[Service]\nType=forking\nPrivateTmp=yes\nPIDFile=/tmp/boxed.pid\n" +
            "ExecStart=/bin/sh -c 'sleep 600 > /dev/null 2>&1 & echo $$! > /tmp/boxed.pid'\n");
        F.Start();
        var start = F.Cli("start", "boxed");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.False(File.Exists("/tmp/boxed.pid"), "the pid file was written to the host's /tmp");
        int main = int.Parse(F.Prop("boxed", "MainPID"));
        Assert.Equal("sleep", File.ReadAllText($"/proc/{main}/comm").Trim());
        Assert.Equal(0, F.Cli("stop", "boxed").ExitCode);
    }

    [Fact]
    public void A_pid_file_that_is_a_link_of_the_service_is_not_followed_nor_a_device_read()
    {
        // A service may own the directory of its pid file: a link of its own to a secret, or to an endless
        // device, fails the start without the daemon reading what it points at.
        string dir = Path.Combine(F.Dir, "piddir");
        Directory.CreateDirectory(dir);
        Corral.Linux.FileOwner.Set(dir, 65534, 65534);
        F.WriteUnit("linked", $"[Service]\nType=forking\nUser=nobody\nPIDFile={dir}/x.pid\n" +
            $"ExecStart=/bin/sh -c 'ln -s /etc/shadow {dir}/x.pid; sleep 600 > /dev/null 2>&1 &'\n");
        F.WriteUnit("endless", $"[Service]\nType=forking\nPIDFile={dir}/zero.pid\nExecStartPre=/bin/ln -sf /dev/zero {dir}/zero.pid\n" +
            "ExecStart=/bin/sh -c 'sleep 600 > /dev/null 2>&1 &'\n");
        F.Start();
        var linked = F.Cli("start", "linked");
        Assert.NotEqual(0, linked.ExitCode);
        Assert.Contains("is a symbolic link owned by uid 65534, not root; not followed", linked.Stderr);
        Assert.DoesNotContain("root:", linked.Stderr + F.Cli("status", "linked").Stdout);
        var endless = F.Cli("start", "endless");
        Assert.NotEqual(0, endless.ExitCode);
        Assert.Contains("not a regular file but a character device", endless.Stderr);
    }
}
