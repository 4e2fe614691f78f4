using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// The guarded socket: mode 0660 root:GROUP; root may do everything, members of the group may read,
/// anyone else is refused — by the file's mode at connect, and by the daemon's own check of
/// SO_PEERCRED whatever the mode.
/// </summary>
public sealed class AccessScenarios : Scenario
{
    private const int Nogroup = 65534; // Debian's nogroup; nobody's primary group
    private static readonly string[] Member = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    private static readonly string[] SupplementaryMember = ["/usr/bin/setpriv", "--reuid=65534", "--regid=12345", $"--groups={Nogroup}"];
    private static readonly string[] Outsider = ["/usr/bin/setpriv", "--reuid=65534", "--regid=12345", "--clear-groups"];

    private CliResult As(string[] who, params string[] args) => F.CliAs(TimeSpan.FromSeconds(60), who, args);

    private void StartGuarded()
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start("--socket-group", Nogroup.ToString());
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
    }

    [Fact]
    public void The_socket_is_0660_root_and_its_group()
    {
        StartGuarded();
        var mode = File.GetUnixFileMode(F.Socket);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, mode);
        var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/usr/bin/stat", ["-c", "%u:%g", F.Socket]) { RedirectStandardOutput = true })!;
        string owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        Assert.Equal($"0:{Nogroup}", owner);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_member_of_the_group_may_read_and_nothing_else(bool supplementary)
    {
        StartGuarded();
        var who = supplementary ? SupplementaryMember : Member;

        foreach (var read in new[] { new[] { "list" }, ["status", "web"], ["show", "web", "-p", "MainPID"], ["ps", "web"], ["why", "web"], ["events"], ["logs", "web"],
                     ["is-active", "web"], ["list-units"], ["cat", "web"], ["ps", "--machine"] })
        {
            var r = As(who, read);
            Assert.True(r.ExitCode == 0, $"corral {string.Join(' ', read)} as a member: {r}");
        }
        foreach (var write in new[] { new[] { "stop", "web" }, ["kill", "web"], ["restart", "web"], ["daemon-reload"], ["reset-failed"], ["freeze", "web"], ["thaw", "web"] })
        {
            var r = As(who, write);
            Assert.Equal(4, r.ExitCode);
            Assert.Contains("permission denied: uid 65534", r.Stderr);
            Assert.Contains("may read (list, status, show, ps, why, events, logs) but not", r.Stderr);
        }
        Assert.Contains("may read (list, status, show, ps, why, events, logs) but not stop; that needs root", As(who, "stop", "web").Stderr);
        Assert.Equal("active", F.Prop("web", "ActiveState"));
        Assert.Single(Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public void Anyone_else_is_refused_at_connect_with_a_clear_message()
    {
        StartGuarded();
        var r = As(Outsider, "list");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains($"permission denied on {F.Socket}: only root and members of the socket's group may talk to the corral daemon", r.Stderr);
    }

    [Fact]
    public void The_daemon_refuses_an_outsider_even_when_the_socket_mode_lets_it_connect()
    {
        StartGuarded();
        File.SetUnixFileMode(F.Socket, (UnixFileMode)0b110_110_110); // someone loosened it: 0666
        var r = As(Outsider, "stop", "web");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains($"permission denied: uid 65534 is neither root nor a member of group {Nogroup} ({Nogroup}), the group of the corral socket", r.Stderr);
        Assert.Equal(4, As(Outsider, "status", "web").ExitCode);
        Assert.Equal("active", F.Prop("web", "ActiveState"));
    }

    [Fact]
    public void An_unknown_socket_group_is_refused_before_anything_starts()
    {
        var r = F.Cli("daemon", "--socket-group", "no-such-group-here", "--socket", Path.Combine(F.Dir, "never.sock"), "--units", F.UnitDir);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--socket-group 'no-such-group-here' is neither a group of /etc/group nor a number", r.Stderr);
        Assert.False(File.Exists(Path.Combine(F.Dir, "never.sock")));
    }
}
