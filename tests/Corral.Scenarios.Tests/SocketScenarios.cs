using System.Net;
using System.Net.Sockets;
using System.Text;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #20 item 1 (Accept=no): socket units through the real daemon and CLI. Corral binds the
/// addresses when the socket unit starts; nothing of the service runs until the first connection
/// or datagram; the service gets the listening sockets from fd 3 on with LISTEN_FDS, LISTEN_PID
/// (its own pid) and LISTEN_FDNAMES, and its run says what started it. The workload's serve-fds
/// mode is such a service: it answers each connection with what it was given.
/// </summary>
public sealed class SocketScenarios : Scenario
{
    private static string Read(Socket s) => SocketText.ReadToEnd(s, timeoutMs: 10_000);

    private static string Inode(string path)
    {
        using var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path]) { RedirectStandardOutput = true })!;
        string inode = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return inode;
    }

    private static (string Answer, int LocalPort) AskTcp(int port)
    {
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.Connect(IPAddress.Loopback, port);
        int local = ((IPEndPoint)c.LocalEndPoint!).Port;
        return (Read(c), local);
    }

    private static string AskUnix(string path)
    {
        using var c = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        c.Connect(new UnixDomainSocketEndPoint(path));
        return Read(c);
    }

    [Fact]
    public void Nothing_runs_until_the_first_connection_then_the_service_gets_every_socket_from_fd_3_and_says_what_started_it()
    {
        int port = WebEndpoint.FreePort();
        string path = Path.Combine(F.Dir, "run", "app.sock"), dgram = $"corral-test-{Guid.NewGuid():N}";
        F.WriteUnit("app.socket", $"[Unit]\nDescription=app's sockets\n[Socket]\nListenStream={path}\nListenStream=127.0.0.1:{port}\n" +
            $"ListenDatagram=@{dgram}\nSocketMode=0600\nDirectoryMode=0750\nFileDescriptorName=app\n");
        // Without --log: the workload keeps that file open, and serve-fds counts every descriptor beyond the sockets.
        F.WriteUnit("app", $"[Service]\nExecStart={Repo.Workload} --pids {F.PidsDir} serve-fds\n");
        F.Start();

        var start = F.Cli("start", "app.socket");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(("active", "listening"), (F.Prop("app.socket", "ActiveState"), F.Prop("app.socket", "SubState")));
        Assert.Equal("inactive", F.Prop("app", "ActiveState"));
        Assert.Empty(CgroupPids("app"));
        // Bound as asked: the socket file's mode, its directory's.
        var facts = Corral.Linux.FileFacts.OfPath(path)!.Value;
        Assert.True(facts.IsSocket);
        Assert.Equal("0600", facts.Octal);
        Assert.Equal("0750", Corral.Linux.FileFacts.OfPath(Path.GetDirectoryName(path)!)!.Value.Octal);
        var sockets = F.Cli("list-sockets");
        Assert.Contains($"127.0.0.1:{port}", sockets.Stdout);
        Assert.Contains($"@{dgram}", sockets.Stdout);
        Assert.Contains(path, sockets.Stdout);
        Assert.Contains("3 sockets listed.", sockets.Stdout);

        var (answer, local) = AskTcp(port);
        Assert.Matches(@"^pid=\d+ fds=3 names=app:app:app fd=4 extra=-\n$", answer);
        int pid = int.Parse(answer.Split(' ')[0][4..]);
        Assert.Equal(pid.ToString(), F.Prop("app", "MainPID")); // LISTEN_PID was its own pid: the check in serve-fds passed
        Assert.Equal($"app.socket: connection from 127.0.0.1:{local} to 127.0.0.1:{port}", F.Prop("app", "StartedBy"));
        Assert.Equal(("active", "running"), (F.Prop("app.socket", "ActiveState"), F.Prop("app.socket", "SubState")));
        Assert.Contains("TriggeredBy: app.socket", F.Cli("status", "app").Stdout);

        // The same process serves the next connections, on the Unix socket too, and reads datagrams.
        Assert.StartsWith($"pid={pid} fds=3 names=app:app:app fd=3 ", AskUnix(path));
        using (var d = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            d.SendTo(Encoding.ASCII.GetBytes("hello"), new UnixDomainSocketEndPoint("\0" + dgram));
        Wait.Until(() => F.Cli("logs", "app").Stdout.Contains("datagram fd=5: hello"), TimeSpan.FromSeconds(5), "the datagram in app's log");

        // Stopped, the service is started again by the next connection: the socket listened all along.
        Assert.Equal(0, F.Cli("stop", "app").ExitCode);
        Wait.Until(() => F.Prop("app.socket", "SubState") == "listening", TimeSpan.FromSeconds(5), "app.socket to listen again");
        var (again, _) = AskTcp(port);
        Assert.DoesNotContain($"pid={pid} ", again);
        Assert.Contains("fds=3", again);

        // A service started by hand gets the sockets too, and the socket is running meanwhile.
        Assert.Equal(0, F.Cli("stop", "app").ExitCode);
        Wait.Until(() => F.Prop("app.socket", "SubState") == "listening", TimeSpan.FromSeconds(5), "app.socket to listen again");
        Assert.Equal(0, F.Cli("start", "app").ExitCode);
        Assert.Equal("running", F.Prop("app.socket", "SubState"));
        Assert.Contains("fds=3", AskUnix(path));

        // The socket stopped: nobody listens any more (the file stays, as without RemoveOnStop=).
        Assert.Equal(0, F.Cli("stop", "app", "app.socket").ExitCode);
        Assert.Equal("inactive", F.Prop("app.socket", "ActiveState"));
        var refused = Assert.Throws<SocketException>(() => AskTcp(port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void A_port_in_use_fails_the_socket_naming_address_and_errno_and_leaves_nothing_bound()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string path = Path.Combine(F.Dir, "busy.sock");
        F.WriteUnit("busy.socket", $"[Socket]\nListenStream={path}\nListenStream=127.0.0.1:{port}\nRemoveOnStop=yes\n");
        F.WriteUnit("busy", $"[Service]\nExecStart={F.Workload("serve-fds")}\n");
        F.WriteUnit("bad.socket", "[Socket]\nListenStream=[::1\n");
        F.WriteUnit("odd.socket", "[Socket]\nListenStream=run/relative.sock\n");
        F.WriteUnit("lonely.socket", "[Socket]\nListenStream=@corral-lonely\n");
        F.Start();

        var start = F.Cli("start", "busy.socket");
        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains($"ListenStream=127.0.0.1:{port}: cannot listen on 127.0.0.1:{port}: Address already in use (errno 98)", start.Stderr);
        Assert.Equal(("failed", "resources"), (F.Prop("busy.socket", "ActiveState"), F.Prop("busy.socket", "Result")));
        Assert.Contains("Address already in use", F.Cli("status", "busy.socket").Stdout);
        // The address bound before it is closed again: nothing listens there.
        var refused = Assert.Throws<SocketException>(() => AskUnix(path));
        Assert.True(refused.SocketErrorCode is SocketError.ConnectionRefused or SocketError.AddressNotAvailable, refused.SocketErrorCode.ToString());
        Assert.Equal("inactive", F.Prop("busy", "ActiveState"));

        // Free again: reset-failed, and it starts.
        taken.Stop();
        Assert.Equal(0, F.Cli("reset-failed", "busy.socket").ExitCode);
        Assert.Equal(0, F.Cli("start", "busy.socket").ExitCode);
        Assert.Equal("listening", F.Prop("busy.socket", "SubState"));
        Assert.Equal(0, F.Cli("stop", "busy.socket").ExitCode);
        Assert.False(File.Exists(path), "RemoveOnStop=yes left the socket file");

        var bad = F.Cli("start", "bad.socket");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains($"{Path.Combine(F.UnitDir, "bad.socket")}:2: ListenStream=[::1", bad.Stderr);
        var odd = F.Cli("start", "odd.socket");
        Assert.Contains("ListenStream=run/relative.sock", odd.Stderr);
        var lonely = F.Cli("start", "lonely.socket");
        Assert.NotEqual(0, lonely.ExitCode);
        Assert.Contains("Refusing to start lonely.socket: the service it starts, lonely.service, not found", lonely.Stderr);
        var kill = F.Cli("kill", "busy.socket");
        Assert.NotEqual(0, kill.ExitCode);
        Assert.Contains("busy.socket is a socket: it has no processes to kill", kill.Stderr);
    }

    /// <summary>keep.socket (a Unix path, then a TCP port) for a serve-fds keep.service, started: its port, path and the socket file's inode.</summary>
    private (int Port, string Path, string Inode) StartKeep()
    {
        int port = WebEndpoint.FreePort();
        string path = Path.Combine(F.Dir, "keep.sock");
        F.WriteUnit("keep.socket", $"[Socket]\nListenStream={path}\nListenStream=127.0.0.1:{port}\n");
        F.WriteUnit("keep", $"[Service]\nExecStart={Repo.Workload} --pids {F.PidsDir} serve-fds\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "keep.socket").ExitCode);
        return (port, path, Inode(path));
    }

    [Fact]
    public void Daemon_reexec_hands_the_listening_sockets_over_and_a_connection_made_meanwhile_starts_the_service()
    {
        var (port, path, inode) = StartKeep();

        // Connections are made all through the re-exec: each one is taken by the kernel (the socket
        // stays listening), none refused; they wait in its queue until the service starts.
        var refused = new List<SocketError>();
        var opened = new List<Socket>();
        var stop = new CancellationTokenSource();
        var client = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try { c.Connect(IPAddress.Loopback, port); lock (opened) opened.Add(c); }
                catch (SocketException e) { lock (refused) refused.Add(e.SocketErrorCode); c.Dispose(); }
                Thread.Sleep(20);
            }
        });
        var r = F.Cli("daemon-reexec");
        client.Start();
        Assert.True(r.ExitCode == 0, r.Stderr);
        Wait.Until(() => F.Cli("list").ExitCode == 0, TimeSpan.FromSeconds(20), "the new image to answer");
        Thread.Sleep(300);
        stop.Cancel();
        client.Join();
        Assert.Empty(refused);
        Assert.NotEmpty(opened);

        // The same socket (the file was not bound again), and the first waiting connection started the service.
        Assert.Equal(inode, Inode(path));
        Wait.Until(() => F.Prop("keep", "ActiveState") == "active", TimeSpan.FromSeconds(10), "keep.service, started by a connection made during the re-exec");
        Assert.StartsWith("keep.socket: connection from 127.0.0.1:", F.Prop("keep", "StartedBy"));
        foreach (var c in opened)
        {
            Assert.Matches(@"^pid=\d+ fds=2 names=keep:keep fd=4 extra=-\n$", Read(c));
            c.Dispose();
        }
        Assert.Contains("fd=3", AskUnix(path));
        Assert.Equal("running", F.Prop("keep.socket", "SubState"));
    }

    /// <summary>The processes of the socket holder's cgroup (none when it is gone).</summary>
    private List<int> Holders()
    {
        string procs = Path.Combine(F.CgroupRoot, "corral-sockets", "cgroup.procs");
        return File.Exists(procs) ? [.. File.ReadAllLines(procs).Where(l => l.Length > 0).Select(int.Parse)] : [];
    }

    [Fact]
    public void Listening_sockets_outlive_a_daemon_killed_with_SIGKILL_and_a_connection_made_meanwhile_starts_the_service()
    {
        var (port, path, inode) = StartKeep();
        // One holder, outside the daemon, with the two sockets as its fds 3 and 4.
        int holder = Assert.Single(Holders());
        Assert.Equal("corral-exec\0--hold\0", File.ReadAllText($"/proc/{holder}/cmdline"));
        foreach (int fd in new[] { 3, 4 }) Assert.StartsWith("socket:[", new FileInfo($"/proc/{holder}/fd/{fd}").LinkTarget);
        Assert.False(File.Exists($"/proc/{holder}/fd/5"));
        // A holder killed by someone is replaced (a second later): the sockets are held again.
        Assert.True(Corral.Linux.Signaller.TryKill(holder, 9));
        Wait.Until(() => Holders() is [var h] && h != holder, TimeSpan.FromSeconds(10), "a new socket holder");
        Assert.Contains($"the socket holder (pid {holder}) ended by itself", File.ReadAllText(F.DaemonLog));
        holder = Assert.Single(Holders());
        Assert.StartsWith("socket:[", new FileInfo($"/proc/{holder}/fd/4").LinkTarget);

        F.KillDaemon();
        // No daemon: the kernel still takes the connections (they wait in the socket's queue).
        var waiting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        waiting.Connect(IPAddress.Loopback, port);
        var waitingUnix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        waitingUnix.Connect(new UnixDomainSocketEndPoint(path));

        F.Start();
        Assert.Contains("taking over 2 listening sockets from the socket holder", File.ReadAllText(F.DaemonLog));
        Wait.Until(() => F.Prop("keep", "ActiveState") == "active", TimeSpan.FromSeconds(10), "keep.service, started by the connection made while no daemon ran");
        Assert.Matches(@"^keep\.socket: (connection from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+|connection on .*keep\.sock)$", F.Prop("keep", "StartedBy"));
        Assert.Matches(@"^pid=\d+ fds=2 names=keep:keep fd=4 extra=-\n$", Read(waiting));
        Assert.Matches(@"^pid=\d+ fds=2 names=keep:keep fd=3 extra=-\n$", Read(waitingUnix));
        waiting.Dispose();
        waitingUnix.Dispose();
        Assert.Equal(inode, Inode(path)); // the same socket, never bound again
        Assert.Equal("running", F.Prop("keep.socket", "SubState"));
        // The new daemon holds them in a holder of its own; the old one is gone.
        int next = Assert.Single(Holders());
        Assert.NotEqual(holder, next);
        Assert.False(Directory.Exists($"/proc/{holder}") && File.ReadAllText($"/proc/{holder}/cmdline").Contains("--hold"));

        // Stopped, the socket is closed everywhere: the port refuses at once, and no holder is left.
        Assert.Equal(0, F.Cli("stop", "keep.socket", "keep").ExitCode);
        Assert.Empty(Holders());
        Assert.False(Directory.Exists(Path.Combine(F.CgroupRoot, "corral-sockets")));
        var e = Assert.Throws<SocketException>(() => AskTcp(port));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public void After_SIGKILL_a_changed_address_is_bound_anew_and_a_record_naming_another_process_is_not_trusted()
    {
        int port = WebEndpoint.FreePort(), other = WebEndpoint.FreePort();
        F.WriteUnit("keep.socket", $"[Socket]\nListenStream=127.0.0.1:{port}\n");
        F.WriteUnit("keep", $"[Service]\nExecStart={Repo.Workload} --pids {F.PidsDir} serve-fds\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "keep.socket").ExitCode);
        F.KillDaemon();
        // Changed while no daemon ran: the held socket is not the unit's any more.
        F.WriteUnit("keep.socket", $"[Socket]\nListenStream=127.0.0.1:{other}\n");
        F.Start();
        Assert.Contains("keep.socket: its addresses changed since its sockets were bound", File.ReadAllText(F.DaemonLog));
        Assert.Equal("inactive", F.Prop("keep.socket", "ActiveState"));
        Assert.Empty(Holders());
        Assert.Equal(SocketError.ConnectionRefused, Assert.Throws<SocketException>(() => AskTcp(port)).SocketErrorCode);
        Assert.Equal(0, F.Cli("start", "keep.socket").ExitCode);
        Assert.Matches(@"^pid=\d+ fds=1 names=keep fd=3 extra=-\n$", AskTcp(other).Answer);
        Assert.Equal(0, F.Cli("stop", "keep.socket", "keep").ExitCode);
        F.KillDaemon();

        // A record naming a process that is not the holder (this test's own): nothing is taken from it.
        using var stranger = System.Diagnostics.Process.Start(Repo.Workload, ["--pids", F.PidsDir, "sleep"]);
        string record = Path.Combine(F.Dir, "state", "sockets", "held.json");
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        File.WriteAllText(record, $"{{\"pid\":{stranger.Id},\"startTicks\":1,\"names\":[\"socket/keep.socket/0\"],\"units\":{{\"keep.socket\":{{\"fds\":1,\"triggers\":0}}}}}}");
        F.Start();
        Assert.Contains($"the socket holder of {record} (pid {stranger.Id}) is gone", File.ReadAllText(F.DaemonLog));
        Assert.Equal("inactive", F.Prop("keep.socket", "ActiveState"));
        Assert.False(File.Exists(record));
        F.KillDaemon();
        // And one that is not JSON at all.
        File.WriteAllText(record, "{\"pid\": [");
        F.Start();
        Assert.Contains($"{record}: cannot be read", File.ReadAllText(F.DaemonLog));
        Assert.Equal(0, F.Cli("start", "keep.socket").ExitCode);
        Assert.Single(Holders());
        stranger.Kill();
        stranger.WaitForExit();
    }

    /// <summary>Sends a line on a new connection to 127.0.0.1:PORT and reads the answer to its end.</summary>
    private static string Say(int port, string line)
    {
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.Connect(IPAddress.Loopback, port);
        c.Send(Encoding.ASCII.GetBytes(line + "\n"));
        return Read(c);
    }

    [Fact]
    public void Accept_yes_gives_each_connection_its_own_instance_with_the_connection_on_stdin_and_stdout()
    {
        int port = WebEndpoint.FreePort();
        F.WriteUnit("echo.socket", $"[Socket]\nListenStream=127.0.0.1:{port}\nAccept=yes\n");
        // %i is the instance (N-LOCAL-REMOTE); $$$$ the shell's pid; stdin and stdout are the connection.
        F.WriteUnit("echo@.service", "[Service]\nExecStart=/bin/sh -c 'read line; echo \"%i $$$$ $$line\"; echo LISTEN_FDS=$$LISTEN_FDS LISTEN_FDNAMES=$$LISTEN_FDNAMES'\nStandardInput=socket\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "echo.socket").ExitCode);

        var first = Say(port, "one").Split('\n');
        var second = Say(port, "two").Split('\n');
        Assert.Matches($@"^0-127\.0\.0\.1:{port}-127\.0\.0\.1:\d+ \d+ one$", first[0]);
        Assert.Matches($@"^1-127\.0\.0\.1:{port}-127\.0\.0\.1:\d+ \d+ two$", second[0]);
        Assert.NotEqual(first[0].Split(' ')[1], second[0].Split(' ')[1]); // two processes
        Assert.Equal("LISTEN_FDS=1 LISTEN_FDNAMES=connection", first[1]); // the connection is fd 3 too, as systemd passes it
        Assert.Equal(("active", "listening"), (F.Prop("echo.socket", "ActiveState"), F.Prop("echo.socket", "SubState")));
        Wait.Until(() => F.Prop("echo.socket", "NConnections") == "0", TimeSpan.FromSeconds(5), "both instances to end");
        Assert.Equal("2", F.Prop("echo.socket", "NAccepted"));

        // Each instance's death is recorded like any other; the instance itself, dead, is let go.
        string instance = $"echo@{first[0].Split(' ')[0]}.service";
        var events = F.Cli("events", "--unit", instance, "--all");
        Assert.True(events.ExitCode == 0, events.ToString());
        Assert.Contains("exited with status 0", events.Stdout);
        Assert.DoesNotContain("echo@", F.Cli("list-units", "--all").Stdout);

        // Started by hand, an Accept=yes instance has no connection: refused by name.
        var byHand = F.Cli("start", "echo@x.service");
        Assert.NotEqual(0, byHand.ExitCode);
        Assert.Contains("there is no connection", byHand.Stderr);
        AssertNoSurvivors();
    }

    [Fact]
    public void Accept_yes_keeps_the_logs_of_the_64_latest_instances_let_go_not_one_file_per_connection_ever()
    {
        int port = WebEndpoint.FreePort();
        F.WriteUnit("note.socket", $"[Socket]\nListenStream=127.0.0.1:{port}\nAccept=yes\n");
        // Its answer goes to the connection; what it says on stderr goes to its own log.
        F.WriteUnit("note@.service", "[Service]\nExecStart=/bin/sh -c 'echo served %i >&2; echo ok'\nStandardInput=socket\nStandardError=journal\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "note.socket").ExitCode);
        for (int i = 0; i < 100; i++)
        {
            using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            c.Connect(IPAddress.Loopback, port);
            Assert.Equal("ok\n", Read(c));
        }
        Wait.Until(() => F.Prop("note.socket", "NConnections") == "0", TimeSpan.FromSeconds(10), "every instance let go");
        Wait.Until(() => Directory.GetFiles(F.LogDir, "note@*.service.log").Length <= 64, TimeSpan.FromSeconds(10), "the logs of all but the 64 latest instances removed");
        Assert.Equal("100", F.Prop("note.socket", "NAccepted"));
        // The latest instance's log is one of those kept: what it said can still be read.
        string last = Path.GetFileName(Directory.GetFiles(F.LogDir, "note@99-*.service.log").Single())[..^".log".Length];
        Assert.Contains("served 99-", F.Cli("logs", last).Stdout);
        Assert.Empty(Directory.GetFiles(F.LogDir, "note@0-*"));
    }

    [Fact]
    public void A_thousand_connections_at_once_to_MaxConnections_64_are_served_64_at_a_time_the_rest_refused_and_nothing_is_left()
    {
        int port = WebEndpoint.FreePort();
        F.WriteUnit("slow.socket", $"[Socket]\nListenStream=127.0.0.1:{port}\nAccept=yes\nMaxConnections=64\n");
        F.WriteUnit("slow@.service", "[Service]\nExecStart=/bin/sh -c 'read line; sleep 1; echo ok'\nStandardInput=socket\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "slow.socket").ExitCode);

        var clients = new List<Socket>();
        for (int i = 0; i < 1000; i++)
        {
            var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            c.Connect(IPAddress.Loopback, port); // the kernel takes each (Backlog=4096)
            c.Send("hi\n"u8.ToArray());
            clients.Add(c);
        }
        int most = 0;
        var until = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < until)
        {
            int now = int.Parse(F.Prop("slow.socket", "NConnections"));
            most = Math.Max(most, now);
            long accepted = long.Parse(F.Prop("slow.socket", "NAccepted")), refused = long.Parse(F.Prop("slow.socket", "NRefused"));
            if (accepted + refused >= 1000 && now == 0) break;
            Thread.Sleep(50);
        }
        Assert.InRange(most, 1, 64);
        long served = long.Parse(F.Prop("slow.socket", "NAccepted")), turnedAway = long.Parse(F.Prop("slow.socket", "NRefused"));
        Assert.Equal(1000, served + turnedAway);
        Assert.True(served >= 64 && turnedAway > 0, $"served {served}, refused {turnedAway}");
        int ok = 0, closed = 0;
        foreach (var c in clients)
        {
            // A refused connection is closed with the line it sent unread: the peer sees a reset, or the end.
            string answer;
            try { answer = Read(c); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { answer = ""; }
            if (answer == "ok\n") ok++;
            else if (answer == "") closed++;
            c.Dispose();
        }
        Assert.True((served, turnedAway) == (ok, closed), $"accepted {served}, refused {turnedAway}; answered {ok}, closed {closed}\n" +
            string.Join('\n', File.ReadAllLines(F.DaemonLog).Where(l => !l.Contains("refused: 64 connections")).TakeLast(30)));
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.Equal("listening", F.Prop("slow.socket", "SubState"));
        AssertNoSurvivors();
    }
}
