using System.Net;
using System.Net.Sockets;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// One daemon per socket, state directory and cgroup root (issue #11, item 2): a second one refuses
/// to start, names the first one's pid, and touches nothing of it; a port already taken is an error,
/// never a shared port.
/// </summary>
public sealed class SecurityInstanceScenarios : Scenario
{
    private void StartFirst(params string[] extra)
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start(extra);
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
    }

    /// <summary>A second daemon with these arguments, run to its end (it must refuse at once).</summary>
    private CliResult Second(params string[] args) => F.RunToExit(["daemon", "--units", F.UnitDir, .. args]);

    private void AssertFirstUntouched(string mainPid, int firstDaemon)
    {
        Assert.Equal("active", F.Prop("web", "MainPID") == mainPid ? F.Prop("web", "ActiveState") : "main pid changed");
        Assert.DoesNotContain(Notices(), n => n.GetProperty("kind").GetString() is "leftover-cgroup" or "adopted-unrecorded");
        Assert.True(Directory.Exists($"/proc/{firstDaemon}"));
        // The socket is still the first daemon's: it answers, and its pid is the one in the lock file.
        Assert.Equal(firstDaemon, Linux.FileLock.HolderOf(F.Socket + ".lock"));
    }

    [Fact]
    public void A_second_daemon_on_the_same_socket_refuses_and_names_the_first()
    {
        StartFirst();
        string pid = F.Prop("web", "MainPID");
        string other = Path.Combine(F.Dir, "other");
        var r = Second("--socket", F.Socket, "--state-dir", Path.Combine(other, "state"), "--log-dir", Path.Combine(other, "logs"), "--cgroup-root", F.CgroupRoot + "-other");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"another corral daemon (pid {F.DaemonPid}) is running with the socket {F.Socket}", r.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot + "-other"), "the second daemon set up a cgroup root before refusing");
        AssertFirstUntouched(pid, F.DaemonPid);
    }

    [Fact]
    public void A_second_daemon_on_the_same_state_directory_or_cgroup_root_refuses()
    {
        StartFirst();
        string pid = F.Prop("web", "MainPID");
        var state = Second("--socket", Path.Combine(F.Dir, "second.sock"), "--state-dir", Path.Combine(F.Dir, "state"), "--log-dir", F.LogDir, "--cgroup-root", F.CgroupRoot + "-other");
        Assert.NotEqual(0, state.ExitCode);
        Assert.Contains($"another corral daemon (pid {F.DaemonPid}) is running with the state directory {Path.Combine(F.Dir, "state")}", state.Stderr);

        var cgroup = Second("--socket", Path.Combine(F.Dir, "third.sock"), "--state-dir", Path.Combine(F.Dir, "third"), "--log-dir", F.LogDir, "--cgroup-root", F.CgroupRoot);
        Assert.NotEqual(0, cgroup.ExitCode);
        Assert.Contains($"another corral daemon uses the cgroup root {F.CgroupRoot}", cgroup.Stderr);
        Assert.False(File.Exists(Path.Combine(F.Dir, "third.sock")));
        AssertFirstUntouched(pid, F.DaemonPid);
    }

    [Fact]
    public void The_locks_go_with_a_daemon_killed_with_SIGKILL_and_the_next_one_takes_over()
    {
        StartFirst();
        string pid = F.Prop("web", "MainPID");
        F.KillDaemon();
        F.Start();
        Assert.Equal(pid, F.Prop("web", "MainPID"));
        Assert.Equal(F.DaemonPid, Linux.FileLock.HolderOf(F.Socket + ".lock"));
    }

    [Fact]
    public void A_port_another_daemon_listens_on_is_an_error_never_a_shared_port()
    {
        var web = new WebEndpoint(F);
        StartFirst(web.Args);
        // Another socket, state directory and cgroup root: only the port is the same.
        string other = Path.Combine(F.Dir, "other");
        var r = Second("--socket", Path.Combine(other, "corral.sock"), "--state-dir", Path.Combine(other, "state"), "--log-dir", Path.Combine(other, "logs"),
            "--cgroup-root", F.CgroupRoot + "-other", "--http", $"127.0.0.1:{web.Port}");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"--http 127.0.0.1:{web.Port}: cannot listen there", r.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot + "-other"));
        // Every connection still reaches the first daemon.
        for (int i = 0; i < 20; i++) Assert.Equal(System.Net.HttpStatusCode.OK, web.Get("/v1/units").Status);

        // And a port a program listens on with SO_REUSEPORT, as .NET's ReuseAddress sets it, is refused too.
        using var sharer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        sharer.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        sharer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        sharer.Listen(1);
        int port = ((IPEndPoint)sharer.LocalEndPoint!).Port;
        var shared = Second("--socket", Path.Combine(other, "corral.sock"), "--state-dir", Path.Combine(other, "state"), "--log-dir", Path.Combine(other, "logs"),
            "--cgroup-root", F.CgroupRoot + "-other", "--http", $"127.0.0.1:{port}");
        Assert.Contains($"--http 127.0.0.1:{port}: cannot listen there", shared.Stderr);
    }
}
