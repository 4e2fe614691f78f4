using System.Net.Sockets;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #20 item 2, the fd store: a service hands its listening socket to Corral (FDSTORE=1, FDNAME=) over
/// the notification socket, and gets it back when it is started again after a crash — the same
/// socket: connections made while it was down wait in it, none is refused.
/// </summary>
public sealed class FdStoreScenarios : Scenario
{
    private static string Ask(int port) => SocketText.Ask(port, timeoutMs: 15_000);

    private string Keeper(int port, string extra) =>
        $"[Service]\nType=notify\nExecStart={Repo.Workload} --pids {F.PidsDir} fdstore {port}\nRestart=always\nRestartSec=300ms\n{extra}";

    [Fact]
    public void A_stored_listening_socket_comes_back_to_the_restarted_service_and_connections_made_meanwhile_wait_in_it()
    {
        int port = WebEndpoint.FreePort();
        F.WriteUnit("keeper", Keeper(port, "FileDescriptorStoreMax=1\n"));
        F.Start();
        Assert.Equal(0, F.Cli("start", "keeper").ExitCode);
        var first = Ask(port);
        Assert.Matches(@"^pid=\d+ bound names=\n$", first);
        Wait.Until(() => F.Prop("keeper", "NFileDescriptorStore") == "1", TimeSpan.FromSeconds(5), "the socket in the store");
        string main = F.Prop("keeper", "MainPID");

        // Killed: while it is down (RestartSec=300ms) a connection is made; it waits in the stored socket.
        Assert.Equal(0, F.Cli("kill", "keeper", "-s", "KILL").ExitCode);
        var during = Ask(port);
        Assert.Matches(@"^pid=\d+ stored names=keep\n$", during);
        Assert.NotEqual($"pid={main} ", during[..(during.IndexOf(' ') + 1)]);
        Assert.Equal("1", F.Prop("keeper", "NRestarts"));
        Assert.Equal("1", F.Prop("keeper", "NFileDescriptorStore")); // kept, not stored twice

        // Stopped, the store is released: the socket is closed.
        Assert.Equal(0, F.Cli("stop", "keeper").ExitCode);
        Assert.Equal("0", F.Prop("keeper", "NFileDescriptorStore"));
        var refused = Assert.Throws<SocketException>(() => Ask(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void The_store_is_handed_over_across_daemon_reexec_and_a_crash_after_it_gets_the_socket_back()
    {
        int port = WebEndpoint.FreePort();
        F.WriteUnit("keeper", Keeper(port, "FileDescriptorStoreMax=2\n"));
        F.Start();
        Assert.Equal(0, F.Cli("start", "keeper").ExitCode);
        Assert.Matches(@"^pid=\d+ bound names=\n$", Ask(port));
        Wait.Until(() => F.Prop("keeper", "NFileDescriptorStore") == "1", TimeSpan.FromSeconds(5), "the socket in the store");

        var r = F.Cli("daemon-reexec");
        Assert.True(r.ExitCode == 0, r.ToString());
        Wait.Until(() => F.Cli("list").ExitCode == 0, TimeSpan.FromSeconds(20), "the new image to answer");
        Assert.Contains("fdstore/keeper.service/0", File.ReadAllText(F.DaemonLog));
        Assert.Equal("1", F.Prop("keeper", "NFileDescriptorStore"));

        // The new image's store is the old one's: the restarted process gets the very socket back.
        Assert.Equal(0, F.Cli("kill", "keeper", "-s", "KILL").ExitCode);
        Assert.Matches(@"^pid=\d+ stored names=keep\n$", Ask(port));
        Assert.Equal("1", F.Prop("keeper", "NRestarts"));
        Assert.Equal(0, F.Cli("stop", "keeper").ExitCode);
        Assert.Equal(SocketError.ConnectionRefused, Assert.Throws<SocketException>(() => Ask(port)).SocketErrorCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void Without_FileDescriptorStoreMax_nothing_is_kept_and_status_says_why()
    {
        int port = WebEndpoint.FreePort();
        F.WriteUnit("nostore", Keeper(port, ""));
        F.Start();
        Assert.Equal(0, F.Cli("start", "nostore").ExitCode);
        Assert.Matches(@"^pid=\d+ bound names=\n$", Ask(port));
        Wait.Until(() => F.Cli("status", "nostore").Stdout.Contains("FDSTORE=1 from pid"), TimeSpan.FromSeconds(5), "the refusal in status");
        Assert.Contains("1 of 1 descriptors not kept: the store holds 0 at most (FileDescriptorStoreMax=)", F.Cli("status", "nostore").Stdout);
        Assert.Equal("0", F.Prop("nostore", "NFileDescriptorStore"));
        // Killed and restarted, it binds again: nothing was kept for it.
        Assert.Equal(0, F.Cli("kill", "nostore", "-s", "KILL").ExitCode);
        Wait.Until(() => F.Prop("nostore", "NRestarts") == "1" && F.Prop("nostore", "ActiveState") == "active", TimeSpan.FromSeconds(10), "the restart");
        Assert.Matches(@"^pid=\d+ bound names=\n$", Ask(port));
        Assert.Equal(0, F.Cli("stop", "nostore").ExitCode);
        AssertNoSurvivors();
    }
}
