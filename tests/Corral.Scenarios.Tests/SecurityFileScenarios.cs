using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Files the daemon creates as root are not a way in (issue #11, item 5): its log directory must be
/// root's and closed to others, a symlink planted at a log's name is never followed, and what it
/// writes is not readable by every user.
/// </summary>
public sealed class SecurityFileScenarios : Scenario
{
    [Theory]
    [InlineData(0x3ff, 0, "is writable by others (mode 0777, sticky)")] // 1777, as /tmp
    [InlineData(0x1ff, 0, "is writable by others (mode 0777)")]
    [InlineData(0x1ed, 65534, "is owned by uid 65534, not root")]
    public void A_log_directory_others_could_write_into_is_refused(int mode, int owner, string message)
    {
        Directory.CreateDirectory(F.LogDir);
        File.SetUnixFileMode(F.LogDir, (UnixFileMode)mode);
        Linux.FileOwner.Set(F.LogDir, owner, -1);
        var r = F.RunDaemonToExit();
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"--log-dir {F.LogDir} {message}", r.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot), "nothing may have been set up");
        Assert.False(File.Exists(F.Socket));
    }

    [Fact]
    public void A_symlink_planted_at_a_logs_name_is_never_followed()
    {
        string target = Path.Combine(F.Dir, "precious");
        File.WriteAllText(target, "precious\n");
        Directory.CreateDirectory(F.LogDir);
        File.CreateSymbolicLink(Path.Combine(F.LogDir, "web.service.log"), target);
        F.WriteUnit("web", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/echo overwritten\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        var loss = WaitForNotice("web.service", "log-loss");
        Assert.Contains("symbolic link", loss.GetProperty("message").GetString());
        Assert.Equal("precious\n", File.ReadAllText(target));
        // Reading the logs does not go through it either.
        var logs = F.Cli("logs", "web");
        Assert.NotEqual(0, logs.ExitCode);
        Assert.Contains("symbolic link", logs.Stderr);
        Assert.DoesNotContain("precious", logs.Stdout + logs.Stderr);
    }

    [Fact]
    public void What_the_daemon_writes_is_not_readable_by_every_user()
    {
        // A database left world-readable by an older build is closed at start.
        string state = Path.Combine(F.Dir, "state");
        F.WriteUnit("web", $"[Service]\nExecStart=/bin/sh -c 'echo hello; exec {Repo.Workload} sleep'\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        Wait.Until(() => F.Cli("logs", "web").Stdout.Contains("hello"), TimeSpan.FromSeconds(10), "web's output");
        var files = new[] { Path.Combine(state, "corral.db"), Path.Combine(state, "corral.db-wal"), Path.Combine(F.LogDir, "web.service.log"), Path.Combine(state, "runs", "web.service.json") };
        foreach (var f in files)
            Assert.True((File.GetUnixFileMode(f) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) == 0, $"{f} is mode {File.GetUnixFileMode(f)}");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, "runs", "web.service.json")));

        Linux.Signaller.TryKill(F.DaemonPid, 15);
        Assert.Equal(0, F.WaitForDaemonExit());
        File.SetUnixFileMode(Path.Combine(state, "corral.db"), (UnixFileMode)0x1a4); // 0644
        F.Start();
        Assert.Equal((UnixFileMode)0x1a0, File.GetUnixFileMode(Path.Combine(state, "corral.db")));
    }
}
