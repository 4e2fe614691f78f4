using System.Net.Sockets;
using System.Text;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// sd_notify against a real daemon (issue #14, item 1): services that speak the protocol from C (the
/// workload's notify mode, no libsystemd) and through Debian's own systemd-notify; and senders that
/// lie, shout or are nobody's.
/// </summary>
public sealed class NotifyScenarios : Scenario
{
    private string Notify(string steps) => F.Workload("notify " + steps);

    [Fact]
    public async Task A_notify_service_is_activating_until_READY_and_its_start_returns_only_then()
    {
        // The service says READY=1 only once the test has looked, whatever the machine's speed.
        string gate = Path.Combine(F.Dir, "n1.go");
        F.WriteUnit("n1", $"[Service]\nType=notify\nExecStart={Notify($"\"send:STATUS=Warming up\" gate:{gate} \"send:READY=1\\nSTATUS=Serving\" hang")}\n");
        F.Start();

        var start = Task.Run(() => F.Cli("start", "n1"));
        Wait.Until(() => F.Prop("n1", "StatusText") == "Warming up", TimeSpan.FromSeconds(10), "the service's first STATUS=");
        Assert.Equal("activating", F.Prop("n1", "ActiveState"));
        Thread.Sleep(300);
        Assert.False(start.IsCompleted, "start returned before READY=1");
        File.WriteAllText(gate, "");

        var done = await start.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(done.ExitCode == 0, done.ToString());
        Assert.Equal("active", F.Prop("n1", "ActiveState"));
        Assert.Equal("Serving", F.Prop("n1", "StatusText"));
        Assert.Equal(Assert.Single(Survivors.Recorded(F.PidsDir)).ToString(), F.Prop("n1", "MainPID"));
        Assert.Contains("     Status: \"Serving\"", F.Cli("status", "n1").Stdout);
        Assert.Equal(0, F.Cli("stop", "n1").ExitCode);
        Assert.Empty(Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public void A_notify_service_that_exits_before_READY_fails_with_protocol()
    {
        F.WriteUnit("n2", $"[Service]\nType=notify\nExecStart={Notify("sleep:200 exit:0")}\n");
        F.Start();

        var start = F.Cli("start", "n2");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("protocol", start.Stderr);
        Assert.Equal(("failed", "protocol"), (F.Prop("n2", "ActiveState"), F.Prop("n2", "Result")));
    }

    [Fact]
    public void Debian_systemd_notify_makes_a_shell_service_ready_with_NotifyAccess_all()
    {
        F.WriteUnit("n3", "[Service]\nType=notify\nNotifyAccess=all\n" +
            $"ExecStart=/bin/sh -c 'sleep 0.3; systemd-notify --ready --status=\"ready by systemd-notify\"; exec {Notify("hang")}'\n");
        F.Start();

        var start = F.Cli("start", "n3");

        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(("active", "ready by systemd-notify"), (F.Prop("n3", "ActiveState"), F.Prop("n3", "StatusText")));
        Assert.Equal("0", F.Prop("n3", "NotifyRefused"));
        Assert.Equal(0, F.Cli("stop", "n3").ExitCode);
    }

    [Fact]
    public void MAINPID_hands_the_main_process_to_the_child_that_goes_on()
    {
        F.WriteUnit("n4", $"[Service]\nType=notify\nExecStart={Notify("fork-main sleep:200 send:READY=1 hang")}\n");
        F.Start();

        var start = F.Cli("start", "n4");

        Assert.True(start.ExitCode == 0, start.ToString());
        var pids = Survivors.Recorded(F.PidsDir);
        Assert.Equal(2, pids.Count); // the first main, and the child it named
        int child = Assert.Single(Survivors.Alive(F.PidsDir));
        Assert.Equal(child.ToString(), F.Prop("n4", "MainPID"));
        Assert.Equal("0", F.Prop("n4", "NotifyRefused"));
        Assert.Equal(0, F.Cli("stop", "n4").ExitCode);
        Assert.Empty(Survivors.Alive(F.PidsDir));
        Assert.Equal("success", F.Prop("n4", "Result"));
    }

    [Fact]
    public void A_watchdog_left_without_pings_sends_SIGABRT_and_Restart_on_watchdog_starts_the_service_again()
    {
        F.WriteUnit("n5", "[Service]\nType=notify\nWatchdogSec=1\nRestart=on-watchdog\nRestartSec=0.2\nLimitCORE=0\n" +
            $"ExecStart={Notify("send:READY=1 pings:200:3 hang")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "n5").ExitCode);

        Wait.Until(() => F.Prop("n5", "NRestarts") == "1", TimeSpan.FromSeconds(15), "the watchdog to fire and the restart");
        var why = F.Cli("why", "n5").Stdout;
        Assert.Contains("killed by SIGABRT", why);
        Assert.Contains("'watchdog'", why);
        Assert.Contains("WatchdogSec= (1s) passed without WATCHDOG=1: WatchdogSignal=", why);
        Assert.Equal(0, F.Cli("stop", "n5").ExitCode);
        Assert.Empty(Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public void A_notify_reload_service_is_sent_its_ReloadSignal_and_the_reload_ends_with_its_READY()
    {
        F.WriteUnit("n6", "[Service]\nType=notify-reload\nReloadSignal=SIGHUP\n" +
            $"ExecStart={Notify("\"on-hup:RELOADING=1\\nSTATUS=reloaded\\nREADY=1\" send:READY=1 hang")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "n6").ExitCode);
        string main = F.Prop("n6", "MainPID");

        var reload = F.Cli("reload", "n6");

        Assert.True(reload.ExitCode == 0, reload.ToString());
        Assert.Equal(("active", "reloaded", main), (F.Prop("n6", "ActiveState"), F.Prop("n6", "StatusText"), F.Prop("n6", "MainPID")));
        Assert.Equal(0, F.Cli("stop", "n6").ExitCode);
    }

    [Fact]
    public async Task Lying_shouting_and_foreign_notifications_are_refused_and_counted_and_change_nothing()
    {
        using var web = new WebEndpoint(F);
        // A child of the service says READY=1 though NotifyAccess=main; the main process never does.
        F.WriteUnit("n7", $"[Service]\nType=notify\nTimeoutStartSec=infinity\nExecStart={Notify("send-child:READY=1 hang")}\n");
        F.Start(web.Args);
        var start = Task.Run(() => F.Cli("start", "n7"));
        Wait.Until(() => F.Prop("n7", "NotifyRefused") == "1", TimeSpan.FromSeconds(10), "the child's READY=1 to be refused");

        string path = F.Socket + ".notify";
        Send(path, Encoding.ASCII.GetBytes("READY=1"));                     // from this test: in no unit
        Send(path, [0x52, 0x45, 0x41, 0x44, 0x59, 0x3d, 0xff, 0xfe]);     // not UTF-8
        Send(path, Encoding.ASCII.GetBytes("READY=1\0STATUS=hidden"));      // a NUL byte
        Send(path, []);                                                      // nothing
        Send(path, Encoding.ASCII.GetBytes("STATUS=" + new string('A', 5000))); // too long
        using (var nobody = System.Diagnostics.Process.Start("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/perl", "-MSocket", "-e",
            $"socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die; send($s, 'READY=1', 0, pack_sockaddr_un('{path}')) or die \"send: $!\"; sleep 2"])) // alive while the daemon places it
        {
            nobody.WaitForExit();
            Assert.Equal(0, nobody.ExitCode);
        }

        Wait.Until(() => Refused(web, "not-a-unit") >= 2 && Refused(web, "malformed") >= 3 && Refused(web, "oversized") >= 1,
            TimeSpan.FromSeconds(10), $"every hostile datagram to be counted (not-a-unit {Refused(web, "not-a-unit")} of 2, malformed {Refused(web, "malformed")} of 3, oversized {Refused(web, "oversized")} of 1, sender-gone {Refused(web, "sender-gone")})");
        Assert.Equal(1, Refused(web, "notify-access"));
        Assert.Equal("activating", F.Prop("n7", "ActiveState"));
        Assert.Equal("", F.Prop("n7", "StatusText"));
        Assert.False(start.IsCompleted);
        Assert.Contains("NotifyAccess=main, and it is not the main process", F.Cli("status", "n7").Stdout);

        Assert.Equal(0, F.Cli("stop", "n7").ExitCode);
        var canceled = await start.WaitAsync(TimeSpan.FromSeconds(60)); // its start job ended with the stop, as canceled
        Assert.NotEqual(0, canceled.ExitCode);
        Assert.Contains("Job for n7.service canceled: a stop was asked for before it had started", canceled.Stderr);
        Assert.Empty(Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public async Task A_daemon_whose_notify_socket_others_cannot_reach_says_so_at_start()
    {
        // As under /root (0700): a User= service could not send READY=1 (redis's sd_notify got EACCES there).
        string closed = Directory.CreateDirectory(Path.Combine(F.Dir, "closed")).FullName;
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string socket = Path.Combine(closed, "corral.sock");
        var psi = new System.Diagnostics.ProcessStartInfo(Repo.Corral) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "daemon", "--units", F.UnitDir, "--socket", socket, "--state-dir", Path.Combine(F.Dir, "state"), "--log-dir", F.LogDir, "--cgroup-root", F.CgroupRoot })
            psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = F.Dir;
        using var daemon = System.Diagnostics.Process.Start(psi)!;
        var stderr = daemon.StandardError.ReadToEndAsync();
        try
        {
            Wait.Until(() => File.Exists(socket) || daemon.HasExited, TimeSpan.FromSeconds(20), "the daemon's socket");
        }
        finally
        {
            if (!daemon.HasExited) Linux.Signaller.TryKill(daemon.Id, 15);
            daemon.WaitForExit(30_000);
        }
        Assert.Contains($"corral: warning: {closed} is closed to other users (no o+x): a service that runs as User= cannot reach NOTIFY_SOCKET={socket}.notify", await stderr);
    }

    private static void Send(string path, byte[] payload)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        s.SendTo(payload, new UnixDomainSocketEndPoint(path));
    }

    private static long Refused(WebEndpoint web, string reason)
    {
        var (_, body, _) = web.Get("/metrics");
        var line = body.Split('\n').FirstOrDefault(l => l.StartsWith($"corral_notify_messages_refused_total{{reason=\"{reason}\"}}", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line[(line.LastIndexOf(' ') + 1)..]);
    }
}
