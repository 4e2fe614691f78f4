using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>The executor sets up what the unit asks, and a failed step fails the start with its message.</summary>
public sealed class ExecutorScenarios : Scenario
{
    [Fact]
    public void Service_runs_with_the_user_umask_limits_environment_and_directory_it_asks_for()
    {
        string outDir = Path.Combine(F.Dir, "out");
        Directory.CreateDirectory(outDir);
        File.SetUnixFileMode(outDir, (UnixFileMode)0x1ff);
        string envFile = Path.Combine(F.Dir, "env");
        File.WriteAllText(envFile, "# comment\nFROMFILE=file value\nexport OVERRIDE=from-file\n");
        F.WriteUnit("creds", $$"""
            [Service]
            Type=oneshot
            User=nobody
            Group=nogroup
            UMask=0027
            LimitNOFILE=123:456
            LimitCORE=0
            OOMScoreAdjust=300
            WorkingDirectory=/tmp
            Environment="GREETING=hello world" OVERRIDE=from-unit
            EnvironmentFile={{envFile}}
            EnvironmentFile=-/nonexistent/env
            ExecStart=/bin/sh -c 'id -u > {{outDir}}/uid; id -g > {{outDir}}/gid; umask > {{outDir}}/umask; ulimit -Sn > {{outDir}}/nofile; ulimit -Hn >> {{outDir}}/nofile; cat /proc/self/oom_score_adj > {{outDir}}/oom; pwd > {{outDir}}/pwd; echo "$GREETING|$FROMFILE|$OVERRIDE|$USER" > {{outDir}}/env'
            ExecStartPost=/bin/sh -c 'echo ${GREETING} > {{outDir}}/post'
            """);
        F.Start();

        var start = F.Cli("start", "creds");

        Assert.True(start.ExitCode == 0, start.ToString());
        string Read(string f) => File.ReadAllText(Path.Combine(outDir, f)).Trim();
        Assert.Equal("65534", Read("uid"));
        Assert.Equal("65534", Read("gid"));
        Assert.Equal("0027", Read("umask"));
        Assert.Equal("123\n456", Read("nofile"));
        Assert.Equal("300", Read("oom"));
        Assert.Equal("/tmp", Read("pwd"));
        Assert.Equal("hello world|file value|from-file|nobody", Read("env"));
        Assert.Equal("hello world", Read("post"));
    }

    [Theory]
    [InlineData("ExecStart=/nonexistent/program", "cannot execute /nonexistent/program: No such file or directory")]
    [InlineData("ExecStart=/bin/true\nWorkingDirectory=/nonexistent", "cannot change to working directory /nonexistent: No such file or directory")]
    [InlineData("ExecStart=/bin/true\nUser=no-such-user-here", "User=no-such-user-here: no such user")]
    [InlineData("ExecStart=no-such-program-anywhere", "executable 'no-such-program-anywhere' not found")]
    public void A_failed_setup_step_fails_the_start_with_its_reason(string service, string message)
    {
        F.WriteUnit("bad", $"[Service]\n{service}\n");
        F.Start();

        var start = F.Cli("start", "bad");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains(message, start.Stderr);
        Assert.Equal("failed", F.Prop("bad", "ActiveState"));
        Assert.False(Directory.Exists(F.CgroupOf("bad").Path));
    }

    [Fact]
    public void ExecStartPre_failure_fails_the_start_unless_prefixed_with_a_dash()
    {
        string marker = Path.Combine(F.Dir, "main-ran");
        F.WriteUnit("pre", $"[Service]\nExecStartPre=/bin/false\nExecStart=/bin/touch {marker}\nType=oneshot\n");
        F.WriteUnit("predash", $"[Service]\nExecStartPre=-/bin/false\nExecStart=/bin/touch {marker}\nType=oneshot\n");
        F.Start();

        var failing = F.Cli("start", "pre");
        Assert.NotEqual(0, failing.ExitCode);
        Assert.Equal("exit-code", F.Prop("pre", "Result"));
        Assert.False(File.Exists(marker));

        var ignoring = F.Cli("start", "predash");
        Assert.Equal(0, ignoring.ExitCode);
        Assert.True(File.Exists(marker));
    }

    [Fact]
    public void Daemon_stops_every_service_when_it_receives_SIGTERM()
    {
        F.WriteUnit("two", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("talk", "[Service]\nExecStart=/bin/sh -c 'echo hello; exec sleep 60'\n"); // has a log open
        StartService("one", $"[Service]\nExecStart={F.Workload("double-fork")}\n");
        Assert.Equal(0, F.Cli("start", "two", "talk").ExitCode);
        Wait.Until(() => F.Cli("logs", "talk").Stdout.Contains("hello"), TimeSpan.FromSeconds(5), "talk's line");
        WaitForRecorded(4);

        Corral.Linux.Signaller.TryKill(F.DaemonPid, 15);
        Wait.Until(() => !File.Exists(F.Socket), TimeSpan.FromSeconds(20), "the daemon to exit");

        AssertNoSurvivors();
        Wait.Until(() => !Directory.Exists(F.CgroupRoot), TimeSpan.FromSeconds(5), "the cgroup root to be removed");
        Assert.Equal(0, F.WaitForDaemonExit());
        Assert.DoesNotContain("Unhandled exception", File.ReadAllText(F.DaemonLog));
    }
}
