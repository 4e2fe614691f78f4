using System.Net.Sockets;
using System.Text;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Issue #17, item 2: Corral as a service of systemd. The shipped unit (packaging/corral.service)
/// passes `systemd-analyze verify`; started in a cgroup delegated to it (`--cgroup-root self`, as
/// the unit says), the daemon moves into a leaf of that cgroup, places the services beside it, and
/// tells the service manager READY=1 and STOPPING=1 on NOTIFY_SOCKET (a socket of the test's, as
/// systemd's would be).
/// </summary>
public sealed class SystemdUnitScenarios : Scenario
{
    private static string Unit => Path.Combine(Repo.Root, "packaging", "corral.service");

    [Fact]
    public void The_shipped_unit_passes_systemd_analyze_verify_and_says_what_the_daemon_needs()
    {
        string text = File.ReadAllText(Unit);
        foreach (var line in new[] { "Type=notify", "Delegate=yes", "KillMode=process", "Restart=on-failure", "ExecStart=/usr/bin/corral daemon --cgroup-root self" })
            Assert.Contains("\n" + line + "\n", text);
        // verify checks that the command exists: this build's corral stands in for the installed one.
        string copy = Path.Combine(F.Dir, "corral.service");
        File.WriteAllText(copy, text.Replace("/usr/bin/corral", Repo.Corral));
        var (code, output) = Run("/usr/bin/systemd-analyze", "verify", "--man=no", copy);
        Assert.True(code == 0 && output.Trim().Length == 0, $"systemd-analyze verify ({code}): {output}");

        // It is a real check: a misspelt directive in the same unit is reported.
        File.WriteAllText(copy, text.Replace("/usr/bin/corral", Repo.Corral).Replace("KillMode=process", "KillMode=proces"));
        var (_, bad) = Run("/usr/bin/systemd-analyze", "verify", "--man=no", copy);
        Assert.Contains("kill mode", bad);
    }

    [Fact]
    public void In_a_delegated_cgroup_the_daemon_takes_a_leaf_puts_services_beside_it_and_tells_the_manager_ready_then_stopping()
    {
        // The "service manager": a datagram socket of the test's, and a cgroup made for the daemon.
        string address = Path.Combine(F.Dir, "manager.notify");
        using var manager = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        manager.Bind(new UnixDomainSocketEndPoint(address));
        manager.ReceiveTimeout = 30_000;
        Directory.CreateDirectory(F.CgroupRoot);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("env", "[Service]\nType=oneshot\nNotifyAccess=none\nExecStart=/bin/sh -c 'echo \"inherited=$NOTIFY_SOCKET\"'\n");

        // As systemd starts it: in the delegated cgroup from its first instruction, NOTIFY_SOCKET set
        // (corral-exec takes the program, then its argv with argv[0]: the fixture adds corral again).
        F.StartUnder(["/usr/bin/env", $"NOTIFY_SOCKET={address}", Path.Combine(Repo.Root, "bin", "corral-exec"), "--cgroup", F.CgroupRoot, "--", Repo.Corral],
            "--cgroup-root", "self", "--no-default-target");
        string ready = Receive(manager);
        Assert.Contains("READY=1\n", ready);
        Assert.Contains($"MAINPID={F.DaemonPid}\n", ready);
        Assert.Equal(0, F.Cli("list").ExitCode); // ready means the control socket answers

        string relative = F.CgroupRoot[F.Layout.UnifiedMount.Length..];
        Assert.Equal(relative + "/corral-daemon", CgroupOf(F.DaemonPid));
        Assert.Empty(File.ReadAllText(Path.Combine(F.CgroupRoot, "cgroup.procs")).Trim());
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        Assert.Equal(relative + "/web.service", CgroupOf(int.Parse(F.Prop("web", "MainPID"))));
        // The daemon's own NOTIFY_SOCKET is not handed on.
        Assert.Equal(0, F.Cli("start", "env").ExitCode);
        Wait.Until(() => F.Cli("logs", "env").Stdout.Contains("inherited="), TimeSpan.FromSeconds(10), "env's line");
        Assert.DoesNotContain("manager.notify", F.Cli("logs", "env").Stdout);

        Corral.Linux.Signaller.TryKill(F.DaemonPid, 15);
        Assert.Contains("STOPPING=1\n", Receive(manager));
        Assert.Equal(0, F.WaitForDaemonExit());
        // The services were stopped; the delegated cgroup is the manager's and stays.
        Assert.False(Directory.Exists(Path.Combine(F.CgroupRoot, "web.service")));
        Assert.True(Directory.Exists(F.CgroupRoot));
    }

    [Fact]
    public void An_unreachable_notify_socket_is_said_and_the_daemon_runs_on()
    {
        F.StartUnder(["/usr/bin/env", $"NOTIFY_SOCKET={Path.Combine(F.Dir, "nobody-listens")}"]);
        Assert.Equal(0, F.Cli("list").ExitCode);
        Wait.Until(() => File.ReadAllText(F.DaemonLog).Contains("could not tell the service manager 'READY=1'"), TimeSpan.FromSeconds(10), "the daemon to say READY=1 could not be sent");
    }

    [Fact]
    public void Self_is_refused_where_the_daemon_sees_itself_in_the_root_cgroup_and_nothing_starts()
    {
        // A cgroup namespace of its own (entered from a cgroup of the test's) shows the daemon "0::/":
        // the root cgroup is the whole machine's, never a service manager's delegation.
        Directory.CreateDirectory(F.CgroupRoot);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n[Install]\nWantedBy=multi-user.target\n");
        var (code, stdout, stderr) = Programs.Run(Path.Combine(Repo.Root, "bin", "corral-exec"), "--cgroup", F.CgroupRoot, "--",
            "/usr/bin/unshare", "unshare", "--cgroup", Repo.Corral, "daemon", "--units", F.UnitDir, "--socket", F.Socket,
            "--state-dir", Path.Combine(F.Dir, "state"), "--log-dir", F.LogDir, "--cgroup-root", "self");
        Assert.True(code == 1, $"exit {code}: {stdout}{stderr}");
        Assert.Contains("corral: daemon: --cgroup-root self: the daemon runs in the root cgroup, which is the whole machine's", stderr);
        Assert.False(File.Exists(F.Socket));
        Assert.Empty(File.ReadAllText(Path.Combine(F.CgroupRoot, "cgroup.procs")).Trim());
        Assert.Empty(Directory.GetDirectories(F.CgroupRoot));
    }

    private static string Receive(Socket s)
    {
        var buf = new byte[4096];
        int n = s.Receive(buf);
        return Encoding.UTF8.GetString(buf, 0, n);
    }

    private static string CgroupOf(int pid) =>
        File.ReadAllLines($"/proc/{pid}/cgroup").First(l => l.StartsWith("0::", StringComparison.Ordinal))[3..];

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        var (code, stdout, stderr) = Programs.Run(program, args);
        return (code, stdout + stderr);
    }
}
