using System.Net;
using System.Net.Sockets;
using System.Text;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Issue #14's acceptance: the unit files Debian's packages ship (redis-server, openssh-server,
/// nginx, memcached, cron, rsyslog with systemd's syslog.socket; deps.sh installs them without starting them), copied byte for byte from
/// /lib/systemd/system, run under a real daemon as an administrator moving from systemd would run
/// them — on their packages' own configuration and ports, which each test first checks are free.
/// What a unit asks that Corral does not enforce yet (some sandboxing keys) is warned about and the
/// service runs without it, as docs/units.md says.
/// </summary>
public sealed class DebianUnitScenarios : Scenario
{
    private void Install(string unit)
    {
        string source = Path.Combine("/lib/systemd/system", unit + ".service");
        Assert.True(File.Exists(source), $"{source} is missing: deps.sh installs the package that ships it");
        File.Copy(source, Path.Combine(F.UnitDir, unit + ".service"));
    }

    private static void RequireFree(params int[] ports)
    {
        foreach (int port in ports)
        {
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Any, port));
            }
            catch (SocketException e)
            {
                Assert.Fail($"TCP port {port} is taken on this machine ({e.SocketErrorCode}): the package's own unit listens there, so this test cannot run until it is free");
            }
        }
    }

    /// <summary>Sends <paramref name="request"/> (if any) to 127.0.0.1:PORT and reads until <paramref name="until"/> appears.</summary>
    private static string Talk(int port, string? request, string until)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        client.ReceiveTimeout = 10_000;
        var stream = client.GetStream();
        if (request is not null) stream.Write(Encoding.ASCII.GetBytes(request));
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!text.ToString().Contains(until))
        {
            int n = stream.Read(buffer);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private List<int> Tree(string unit) => CgroupPids(unit);

    private static string Comm(int pid) => File.ReadAllText($"/proc/{pid}/comm").Trim();

    [Fact]
    public void Redis_a_notify_service_is_active_only_after_its_READY_answers_PONG_and_stops_clean()
    {
        RequireFree(6379);
        Install("redis-server");
        F.Start();

        var start = F.Cli("start", "redis-server");

        Assert.True(start.ExitCode == 0, start.ToString());
        // start returned after READY=1: active, with the status redis sent, not merely spawned.
        Assert.Equal(("active", "running"), (F.Prop("redis-server", "ActiveState"), F.Prop("redis-server", "SubState")));
        Assert.Equal("Ready to accept connections", F.Prop("redis-server", "StatusText"));
        int main = int.Parse(F.Prop("redis-server", "MainPID"));
        Assert.Equal("redis-server", Comm(main));
        // This machine's hard NOFILE limit is below the unit's 65535: the closest value, said as a warning.
        Assert.Contains("LimitNOFILE=65535:65535 cannot be granted", start.Stderr);
        Assert.Equal("+PONG\r\n", Talk(6379, "PING\r\n", "\r\n"));
        var cli = Programs.Output("/usr/bin/redis-cli", "-p", "6379", "ping");
        Assert.Equal("PONG", cli);
        Assert.True(Directory.Exists("/run/redis"), "RuntimeDirectory=redis");
        // The sandbox the packagers asked for (#19): redis runs in a view of its own, read-only but
        // for what the unit makes writable (SAVE writes /var/lib/redis), with no capability, no new
        // privileges, its own /tmp and host name; what is not enforced yet, status names.
        Assert.Equal("+OK\r\n", Talk(6379, "SAVE\r\n", "\r\n"));
        var status = File.ReadAllLines($"/proc/{main}/status").Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
        Assert.Equal(("0000000000000000", "1", "2"), (status["CapBnd"], status["NoNewPrivs"], status["Seccomp"]));
        Assert.NotEqual(new FileInfo("/proc/self/ns/mnt").LinkTarget, new FileInfo($"/proc/{main}/ns/mnt").LinkTarget);
        Assert.NotEqual(new FileInfo("/proc/self/ns/uts").LinkTarget, new FileInfo($"/proc/{main}/ns/uts").LinkTarget);
        var mounts = Corral.Linux.Procfs.MountInfo.ParseAll(File.ReadAllText($"/proc/{main}/mountinfo"));
        Assert.Contains(mounts, m => m.MountPoint == "/" && m.MountOptions.Contains("ro"));
        Assert.Contains(mounts, m => m.MountPoint == "/tmp" && m.Root.EndsWith("/sandbox/redis-server.service/tmp"));
        Assert.Contains(mounts, m => m.MountPoint == "/var/lib/redis" && m.MountOptions.Contains("rw"));
        string warning = F.Cli("status", "redis-server").Stdout;
        // Every directive of the unit is enforced now; Documentation= is shown, as systemctl shows it.
        Assert.DoesNotContain("runs without", warning);
        Assert.Contains("       Docs: http://redis.io/documentation,\n             man:redis-server(1)\n", warning);
        Assert.DoesNotContain("SystemCallFilter=", warning);

        Assert.Equal(0, F.Cli("stop", "redis-server").ExitCode);
        Assert.Empty(Tree("redis-server"));
        Assert.False(Directory.Exists("/run/redis"), "the runtime directory stayed");
        Assert.Equal("inactive", F.Prop("redis-server", "ActiveState"));
    }

    [Fact]
    public void Ssh_makes_its_runtime_directory_answers_with_its_banner_reloads_in_place_and_removes_it_at_stop()
    {
        RequireFree(22);
        Install("ssh");
        F.Start();

        var start = F.Cli("start", "ssh");

        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("active", F.Prop("ssh", "ActiveState"));
        Assert.True(Directory.Exists("/run/sshd"), "RuntimeDirectory=sshd, which ExecStartPre=sshd -t needs");
        Assert.StartsWith("SSH-2.0-OpenSSH", Talk(22, null, "\r\n"));
        string main = F.Prop("ssh", "MainPID");

        var reload = F.Cli("reload", "ssh");
        Assert.True(reload.ExitCode == 0, reload.ToString());
        Assert.Equal((main, "active"), (F.Prop("ssh", "MainPID"), F.Prop("ssh", "ActiveState")));
        Wait.Until(() => { try { return Talk(22, null, "\r\n").StartsWith("SSH-2.0-"); } catch (SocketException) { return false; } },
            TimeSpan.FromSeconds(10), "sshd to answer again after its re-exec");

        Assert.Equal(0, F.Cli("stop", "ssh").ExitCode);
        Assert.Empty(Tree("ssh"));
        Assert.False(Directory.Exists("/run/sshd"), "the runtime directory stayed");
    }

    [Fact]
    public void Ssh_socket_starts_nothing_until_the_first_connection_then_one_sshd_serves_every_connection_on_the_socket()
    {
        RequireFree(22);
        Install("ssh");
        File.Copy("/lib/systemd/system/ssh.socket", Path.Combine(F.UnitDir, "ssh.socket"));
        F.Start();

        var start = F.Cli("start", "ssh.socket");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(("active", "listening"), (F.Prop("ssh.socket", "ActiveState"), F.Prop("ssh.socket", "SubState")));
        Assert.Equal("inactive", F.Prop("ssh", "ActiveState"));
        Assert.Empty(Tree("ssh"));

        using (var client = new TcpClient())
        {
            client.Connect(IPAddress.Loopback, 22);
            int local = ((IPEndPoint)client.Client.LocalEndPoint!).Port;
            client.ReceiveTimeout = 15_000;
            var banner = new byte[64];
            int n = client.GetStream().Read(banner);
            Assert.StartsWith("SSH-2.0-OpenSSH", Encoding.ASCII.GetString(banner, 0, n));
            Assert.Equal($"ssh.socket: connection from 127.0.0.1:{local} to [::]:22", F.Prop("ssh", "StartedBy"));
        }
        string main = F.Prop("ssh", "MainPID");
        Assert.Equal("sshd", Comm(int.Parse(main)));
        Assert.Equal("running", F.Prop("ssh.socket", "SubState"));
        // The second connection: the same sshd, on the socket Corral bound (sshd took it as LISTEN_FDS=1).
        Assert.StartsWith("SSH-2.0-OpenSSH", Talk(22, null, "\r\n"));
        Assert.Equal(main, F.Prop("ssh", "MainPID"));

        Assert.Equal(0, F.Cli("stop", "ssh", "ssh.socket").ExitCode);
        Assert.Empty(Tree("ssh"));
        Assert.Throws<SocketException>(() => Talk(22, null, "\r\n"));
    }

    [Fact]
    public void Rsyslog_started_by_Debians_syslog_socket_logs_the_datagrams_sent_to_it_on_the_socket_Corral_bound()
    {
        // Debian's syslog.socket (systemd) and rsyslog.service (rsyslog), byte for byte. The socket is
        // /run/systemd/journal/syslog and rsyslog takes a passed socket only where systemd booted the
        // machine (sd_booted: /run/systemd/system exists), then writes /var/log: so the daemon runs in a
        // mount namespace of this test's own, where /run, /var/log and rsyslog's work directory are the
        // test's directories, and /etc/rsyslog.conf is Debian's without imklog (which would read
        // /proc/kmsg, and so take the machine's kernel messages from whoever reads them).
        Install("rsyslog");
        File.Copy("/lib/systemd/system/syslog.socket", Path.Combine(F.UnitDir, "syslog.socket"));
        string run = Path.Combine(F.Dir, "run"), log = Path.Combine(F.Dir, "varlog"), spool = Path.Combine(F.Dir, "spool"), conf = Path.Combine(F.Dir, "rsyslog.conf");
        foreach (var d in new[] { Path.Combine(run, "systemd", "system"), log, spool }) Directory.CreateDirectory(d);
        File.WriteAllLines(conf, File.ReadAllLines("/etc/rsyslog.conf").Where(l => !l.TrimStart().StartsWith("module(load=\"imklog\")", StringComparison.Ordinal)));
        string binds = string.Join(" && ", new[] { (run, "/run"), (log, "/var/log"), (spool, "/var/spool/rsyslog"), (conf, "/etc/rsyslog.conf") }
            .Select(b => $"mount --bind '{b.Item1}' '{b.Item2}'"));
        F.StartUnder(["unshare", "--mount", "--propagation", "private", "sh", "-c", binds + " && exec \"$@\"", "sh"]);
        // Alias=syslog.service: enabling rsyslog names it syslog.service, the service syslog.socket starts.
        Assert.Equal(0, F.Cli("enable", "rsyslog").ExitCode);
        var start = F.Cli("start", "syslog.socket");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(("active", "listening"), (F.Prop("syslog.socket", "ActiveState"), F.Prop("syslog.socket", "SubState")));
        Assert.Empty(Tree("rsyslog"));
        string path = Path.Combine(run, "systemd", "journal", "syslog");
        Assert.Equal("0666", Corral.Linux.FileFacts.OfPath(path)!.Value.Octal); // SocketMode=0666

        using var client = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        string token = Guid.NewGuid().ToString("N");
        client.SendTo(Encoding.ASCII.GetBytes($"<14>corral-test: first {token}"), new UnixDomainSocketEndPoint(path));
        string syslog = Path.Combine(log, "syslog");
        Wait.Until(() => File.Exists(syslog) && File.ReadAllText(syslog).Contains($"corral-test: first {token}"), TimeSpan.FromSeconds(15), "the datagram in rsyslog's /var/log/syslog");
        Assert.Equal(("active", "running"), (F.Prop("rsyslog", "ActiveState"), F.Prop("rsyslog", "SubState"))); // Type=notify: READY=1 came
        Assert.Equal("syslog.socket: datagram on /run/systemd/journal/syslog", F.Prop("rsyslog", "StartedBy"));
        int main = int.Parse(F.Prop("rsyslog", "MainPID"));
        Assert.Equal("rsyslogd", Comm(main));
        // rsyslog reads the socket Corral bound (its fd 3, the one the socket holder keeps), not one of its own.
        int holder = int.Parse(File.ReadAllText(Path.Combine(F.CgroupRoot, "corral-sockets", "cgroup.procs")).Trim());
        Assert.Equal(new FileInfo($"/proc/{holder}/fd/3").LinkTarget, new FileInfo($"/proc/{main}/fd/3").LinkTarget);
        client.SendTo(Encoding.ASCII.GetBytes($"<14>corral-test: second {token}"), new UnixDomainSocketEndPoint(path));
        Wait.Until(() => File.ReadAllText(syslog).Contains($"corral-test: second {token}"), TimeSpan.FromSeconds(15), "the second datagram");
        Assert.Equal(main.ToString(), F.Prop("rsyslog", "MainPID"));
        Assert.Equal("running", F.Prop("syslog.socket", "SubState"));

        Assert.Equal(0, F.Cli("stop", "rsyslog", "syslog.socket").ExitCode);
        Assert.Empty(Tree("rsyslog"));
    }

    [Fact]
    public void Nginx_a_forking_service_serves_200_and_a_reload_replaces_its_workers_and_keeps_its_master()
    {
        RequireFree(80);
        Install("nginx");
        F.Start();

        var start = F.Cli("start", "nginx");

        Assert.True(start.ExitCode == 0, start.ToString());
        int master = int.Parse(F.Prop("nginx", "MainPID"));
        Assert.Equal(File.ReadAllText("/run/nginx.pid").Trim(), master.ToString());
        Assert.StartsWith("HTTP/1.1 200", Talk(80, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", "\r\n"));
        var workers = Tree("nginx").Where(p => p != master).ToList();
        Assert.NotEmpty(workers);

        var reload = F.Cli("reload", "nginx");

        Assert.True(reload.ExitCode == 0, reload.ToString());
        Wait.Until(() => !Tree("nginx").Intersect(workers).Any() && Tree("nginx").Count > 1, TimeSpan.FromSeconds(15), "the old workers to be replaced");
        Assert.Equal(master.ToString(), F.Prop("nginx", "MainPID"));
        Assert.Contains(master, Tree("nginx"));
        Assert.StartsWith("HTTP/1.1 200", Talk(80, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", "\r\n"));

        Assert.Equal(0, F.Cli("stop", "nginx").ExitCode);
        Assert.Empty(Tree("nginx"));
    }

    [Fact]
    public void Memcached_answers_stats_and_stops_clean()
    {
        RequireFree(11211);
        Install("memcached");
        F.Start();

        Assert.Equal(0, F.Cli("start", "memcached").ExitCode);

        int main = int.Parse(F.Prop("memcached", "MainPID"));
        Wait.Until(() => { try { return Talk(11211, "stats\r\n", "END\r\n").Contains($"STAT pid {main}\r\n"); } catch (SocketException) { return false; } },
            TimeSpan.FromSeconds(10), "memcached to answer stats with its pid");
        Assert.Equal(0, F.Cli("stop", "memcached").ExitCode);
        Assert.Empty(Tree("memcached"));
    }

    [Fact]
    public void Cron_runs_a_job_and_stops_clean()
    {
        Install("cron");
        string mark = Path.Combine(F.Dir, "cron-ran");
        // A job of this test's only, in cron's own directory (it reads no other), removed at the end.
        _cronJob = $"/etc/cron.d/corral-test-{Guid.NewGuid():N}"[..32];
        File.WriteAllText(_cronJob, $"* * * * * root touch {mark}\n");
        // The machine's own jobs (/etc/crontab: cron.hourly at :17, cron.daily at 6:25 …) are not this
        // test's to run: it starts cron only where none of them is due while it runs (two minutes).
        CronWindow.WaitUntilNoSystemJobIsDue(TimeSpan.FromMinutes(2), except: _cronJob);
        F.Start();

        Assert.Equal(0, F.Cli("start", "cron").ExitCode);

        Wait.Until(() => File.Exists(mark), TimeSpan.FromSeconds(75), "cron to run the job at the next minute");
        Assert.Equal(0, F.Cli("stop", "cron").ExitCode);
        Assert.Empty(Tree("cron"));
    }

    private string? _cronJob;

    protected override void Cleanup()
    {
        if (_cronJob is not null) File.Delete(_cronJob);
    }
}

/// <summary>
/// Which minutes the machine's own cron jobs fire at (/etc/crontab, /etc/cron.d/*), read as cron
/// reads their five time fields (numbers, *, lists, ranges, steps, the @hourly family; a month or
/// day name counts as always due, to be safe).
/// </summary>
internal static class CronWindow
{
    public static void WaitUntilNoSystemJobIsDue(TimeSpan span, string except)
    {
        var schedules = new List<string[]>();
        foreach (var file in new[] { "/etc/crontab" }.Concat(Directory.Exists("/etc/cron.d") ? Directory.GetFiles("/etc/cron.d") : []))
        {
            if (file == except || !File.Exists(file)) continue;
            foreach (var raw in File.ReadAllLines(file))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line[0] == '#' || System.Text.RegularExpressions.Regex.IsMatch(line, @"^[A-Za-z_][A-Za-z0-9_]*\s*=")) continue;
                var fields = line.Split((char[]?)null, 6, StringSplitOptions.RemoveEmptyEntries);
                schedules.Add(fields[0] switch
                {
                    "@hourly" => ["0", "*", "*", "*", "*"],
                    "@daily" or "@midnight" => ["0", "0", "*", "*", "*"],
                    "@weekly" => ["0", "0", "*", "*", "0"],
                    "@monthly" => ["0", "0", "1", "*", "*"],
                    "@yearly" or "@annually" => ["0", "0", "1", "1", "*"],
                    // @reboot runs when cron starts on a machine where no cron ran since boot: always due then.
                    "@reboot" => File.Exists("/run/crond.reboot") ? ["0", "0", "31", "2", "*"] : ["@"],
                    _ => fields.Take(5).ToArray(),
                });
            }
        }
        var deadline = DateTime.Now + TimeSpan.FromHours(1);
        while (DueWithin(schedules, DateTime.Now, span))
        {
            if (DateTime.Now > deadline) Assert.Fail("no two-minute window without a system cron job in the next hour");
            Thread.Sleep(5000);
        }
    }

    private static bool DueWithin(List<string[]> schedules, DateTime from, TimeSpan span)
    {
        for (var t = from.AddSeconds(-from.Second); t <= from + span; t = t.AddMinutes(1))
            if (schedules.Any(s => s.Length < 5 || (Matches(s[0], t.Minute, 0, 59) && Matches(s[1], t.Hour, 0, 23)
                && Matches(s[2], t.Day, 1, 31) && Matches(s[3], t.Month, 1, 12) && Matches(s[4], (int)t.DayOfWeek, 0, 7, sundayIsSeven: true))))
                return true;
        return false;
    }

    private static bool Matches(string field, int value, int low, int high, bool sundayIsSeven = false)
    {
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Split('/') is var ps && ps.Length == 2 && int.TryParse(ps[1], out int st) ? (ps[0], st) : (part, 1);
            int a, b;
            if (range == "*") (a, b) = (low, high);
            else if (range.Split('-') is [var x, var y] && int.TryParse(x, out a) && int.TryParse(y, out b)) { }
            else if (int.TryParse(range, out a)) b = step > 1 ? high : a;
            else return true; // a name (mon, jan): taken as due
            for (int v = a; v <= b; v += step)
                if (v == value || (sundayIsSeven && v == 7 && value == 0)) return true;
        }
        return false;
    }
}
