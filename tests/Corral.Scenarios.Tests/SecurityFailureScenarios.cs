using System.Net.Sockets;
using System.Text;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Clear failures instead of stack traces (issue #11, item 6): a corrupt event store is moved aside
/// and the daemon starts on a fresh one, saying so; the CLI gives one line, never an exception, for
/// a missing daemon, a connection reset, a daemon that dies mid-request, and garbage.
/// </summary>
public sealed class SecurityFailureScenarios : Scenario
{
    private static void AssertOneLine(CliResult r, string expected)
    {
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("corral: ", r.Stderr);
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("page")]
    public void A_corrupt_event_store_is_moved_aside_and_a_fresh_one_started(string damage)
    {
        string state = Path.Combine(F.Dir, "state");
        string db = Path.Combine(state, "corral.db");
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        if (damage == "header")
        {
            Directory.CreateDirectory(state);
            File.WriteAllBytes(db, Encoding.ASCII.GetBytes(new string('x', 8192)));
        }
        else
        {
            // A real store with records, then pages of its tables overwritten.
            F.Start();
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(0, F.Cli("start", "web").ExitCode);
                Assert.Equal(0, F.Cli("stop", "web").ExitCode);
            }
            Linux.Signaller.TryKill(F.DaemonPid, 15);
            Assert.Equal(0, F.WaitForDaemonExit());
            using var f = new FileStream(db, FileMode.Open, FileAccess.Write);
            for (long at = 4096; at < f.Length; at += 4096)
            {
                f.Position = at + 8;
                f.Write(Enumerable.Repeat((byte)0xA5, 1000).ToArray());
            }
        }
        byte[] before = File.ReadAllBytes(db);

        F.Start();
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        // A damaged header is found at open; damaged pages by the quick check the daemon runs in the background.
        List<string> aside = [];
        Wait.Until(() => (aside = Directory.GetFiles(state, "corral.db.corrupt-*").Where(p => !p.EndsWith("-wal") && !p.EndsWith("-shm")).ToList()).Count > 0,
            TimeSpan.FromSeconds(20), "the corrupt store moved aside");
        Assert.Single(aside);
        Assert.Equal(before, File.ReadAllBytes(aside[0])); // kept as it was, for whoever wants to rescue it
        var notice = WaitForNotice(null, "store-recovered");
        Assert.Contains($"the event store {db} is corrupt", notice.GetProperty("message").GetString());
        Assert.Contains(aside[0], notice.GetProperty("message").GetString());
        Assert.Contains($"the event store {db} is corrupt", File.ReadAllText(F.DaemonLog));
        // The fresh store records as the old one did.
        Assert.Equal(0, F.Cli("stop", "web").ExitCode);
        Assert.Contains("\"cause\":\"corral\"", F.Cli("why", "web", "--json").Stdout);
    }

    [Fact]
    public async Task The_CLI_gives_one_line_for_a_missing_socket_a_reset_and_garbage()
    {
        AssertOneLine(F.Cli("list"), $"no daemon is listening on {F.Socket}");

        // A socket file nobody listens on (a daemon killed with SIGKILL leaves one).
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            dead.Bind(new UnixDomainSocketEndPoint(F.Socket));
        AssertOneLine(F.Cli("status", "web"), $"no daemon is listening on {F.Socket}");
        File.Delete(F.Socket);

        // A peer that resets the connection, one that closes without a word, one that answers garbage.
        foreach (var (behaviour, expected) in new[] { ("reset", "closed the connection"), ("close", "closed the connection"), ("garbage", "sent a malformed response") })
        {
            using var server = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            server.Bind(new UnixDomainSocketEndPoint(F.Socket));
            server.Listen(4);
            var serving = Task.Run(() =>
            {
                using var c = server.Accept();
                // Closing with the request unread resets the connection (ECONNRESET at the client).
                if (behaviour == "reset") return;
                c.Receive(new byte[4096]);
                if (behaviour == "garbage") c.Send(Encoding.ASCII.GetBytes("hello there\r\n\r\n"));
            });
            var r = F.Cli("show", "web", "-p", "MainPID");
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
            AssertOneLine(r, expected);
            server.Dispose();
            File.Delete(F.Socket);
        }
    }

    [Fact]
    public async Task A_daemon_killed_during_a_request_gives_the_CLI_one_line()
    {
        F.WriteUnit("stubborn", $"[Service]\nExecStart={F.Workload("--ignore TERM sleep")}\nTimeoutStopSec=60\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "stubborn").ExitCode);
        var stop = Task.Run(() => F.Cli("stop", "stubborn"));
        Wait.Until(() => F.Prop("stubborn", "ActiveState") == "deactivating", TimeSpan.FromSeconds(10), "the stop to be under way");
        F.KillDaemon();
        var r = await stop.WaitAsync(TimeSpan.FromSeconds(30));
        AssertOneLine(r, "closed the connection");
    }
}
