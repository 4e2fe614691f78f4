using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #19 item 4 (and the filter-made parts of item 3): the system-call filter, seen from inside the
/// service — a refused call answers the errno asked, or the process is killed by SIGSYS and its death
/// record says so, naming the call.
/// </summary>
public sealed class SeccompScenarios : Scenario
{
    private string Calls(params string[] calls) => $"{Repo.Workload} calls {string.Join(' ', calls)}";

    /// <summary>The unit's output lines after a oneshot run (the start may fail: a killed process is a failed start).</summary>
    private List<string> Run(string unit)
    {
        F.Cli("start", unit);
        return F.Cli("logs", unit).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 5)[4]).ToList();
    }

    private JsonElement LastDeath(string unit)
    {
        JsonElement death = default;
        Wait.Until(() =>
        {
            var r = F.Cli("why", unit, "--json");
            using var doc = JsonDocument.Parse(r.Stdout);
            var deaths = doc.RootElement.GetProperty("deaths").EnumerateArray().ToList();
            if (deaths.Count == 0) return false;
            death = deaths[0].Clone();
            return true;
        }, TimeSpan.FromSeconds(10), $"a death record of {unit}");
        return death;
    }

    [Fact]
    public void An_allow_list_kills_at_the_first_call_outside_it_and_the_record_names_the_call()
    {
        F.WriteUnit("listed", $"[Service]\nType=oneshot\nSystemCallFilter=@system-service\nExecStart={Calls("getppid", "mount", "getppid")}\n");
        F.Start();
        Assert.Equal(["getppid ok"], Run("listed"));
        var death = LastDeath("listed");
        Assert.Equal("seccomp", death.GetProperty("cause").GetString());
        Assert.Equal(31, death.GetProperty("status").GetInt32());
        string why = F.Cli("why", "listed").Stdout;
        Assert.Contains("was killed by SIGSYS", why);
        Assert.Contains("its system-call filter refused mount", why);
        Assert.Equal("failed", F.Prop("listed", "ActiveState"));
    }

    [Fact]
    public void A_deny_list_with_an_errno_answers_it_and_the_service_goes_on()
    {
        F.WriteUnit("denied", $"[Service]\nType=oneshot\nSystemCallFilter=~@mount\nSystemCallErrorNumber=EPERM\nExecStart={Calls("mount", "getppid")}\n");
        // A later line without '~' takes calls back out of the deny list; the first line decided its kind.
        F.WriteUnit("back", $"[Service]\nType=oneshot\nSystemCallFilter=~@mount @process\nSystemCallFilter=mount\nSystemCallErrorNumber=EACCES\nExecStart={Calls("mount", "unshare-uts")}\n");
        F.WriteUnit("open", $"[Service]\nType=oneshot\nExecStart={Calls("mount")}\n");
        F.Start();
        Assert.Equal(["mount EPERM", "getppid ok"], Run("denied"));
        Assert.Equal("inactive", F.Prop("denied", "ActiveState"));
        Assert.Equal(["mount ENOENT", "unshare-uts EACCES"], Run("back"));
        Assert.Equal(["mount ENOENT"], Run("open"));
    }

    [Fact]
    public void Argument_rules_refuse_namespaces_families_writable_code_personalities_realtime_and_set_id_bits()
    {
        string suid = Path.Combine(F.Dir, "suid-probe");
        string all = string.Join(' ', "unshare-uts", "unshare-net", "socket-unix", "socket-inet6", "socket-netlink", "mmap-wx", "personality", "sched-fifo", $"chmod-suid:{suid}");
        F.WriteUnit("free", $"[Service]\nType=oneshot\nExecStart={Repo.Workload} calls {all}\n");
        F.WriteUnit("strict", $"[Service]\nType=oneshot\nExecStart={Repo.Workload} calls {all}\nRestrictNamespaces=uts\nRestrictAddressFamilies=AF_UNIX AF_INET6\n"
            + "MemoryDenyWriteExecute=yes\nLockPersonality=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\n");
        F.WriteUnit("inverted", $"[Service]\nType=oneshot\nExecStart={Calls("unshare-uts", "unshare-net", "socket-netlink", "socket-inet6")}\nRestrictNamespaces=~net\nRestrictAddressFamilies=~AF_NETLINK\n");
        F.Start();
        Assert.Equal(["unshare-uts ok", "unshare-net ok", "socket-unix ok", "socket-inet6 ok", "socket-netlink ok", "mmap-wx ok", "personality ok",
            "sched-fifo ok", $"chmod-suid:{suid} ok"], Run("free"));
        Assert.Equal(["unshare-uts ok", "unshare-net EPERM", "socket-unix ok", "socket-inet6 ok", "socket-netlink EAFNOSUPPORT", "mmap-wx EPERM",
            "personality EPERM", "sched-fifo EPERM", $"chmod-suid:{suid} EPERM"], Run("strict"));
        Assert.Equal(["unshare-uts ok", "unshare-net EPERM", "socket-netlink EAFNOSUPPORT", "socket-inet6 ok"], Run("inverted"));
    }

    [Fact]
    public void A_filtered_service_of_another_user_gets_no_new_privileges_implied_and_the_kernel_shows_the_filter()
    {
        F.WriteUnit("nobody", "[Service]\nType=oneshot\nUser=nobody\nSystemCallFilter=@system-service\nExecStart=/bin/grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status\n");
        F.Start();
        Assert.Equal(["NoNewPrivs:\t1", "Seccomp:\t2"], Run("nobody"));
    }

    [Fact]
    public void Unknown_calls_groups_errnos_and_architectures_fail_the_load_by_name()
    {
        F.WriteUnit("call", "[Service]\nExecStart=/bin/true\nSystemCallFilter=read frobnicate\n");
        F.WriteUnit("group", "[Service]\nExecStart=/bin/true\nSystemCallFilter=@nope\n");
        F.WriteUnit("errno", "[Service]\nExecStart=/bin/true\nSystemCallErrorNumber=EFOO\n");
        F.WriteUnit("arch", "[Service]\nExecStart=/bin/true\nSystemCallArchitectures=native x86\n");
        F.WriteUnit("family", "[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=AF_UNIX AF_MARS\n");
        F.Start();
        Assert.Contains("call.service:3: SystemCallFilter=read frobnicate: 'frobnicate' is not a system call", F.Cli("start", "call").Stderr);
        Assert.Contains("group.service:3: SystemCallFilter=@nope: '@nope' is not a system-call group", F.Cli("start", "group").Stderr);
        Assert.Contains("errno.service:3: SystemCallErrorNumber=EFOO is not an errno name", F.Cli("start", "errno").Stderr);
        Assert.Contains("arch.service:3: SystemCallArchitectures=native x86: 'x86' cannot be allowed", F.Cli("start", "arch").Stderr);
        Assert.Contains("family.service:3: RestrictAddressFamilies=AF_UNIX AF_MARS: 'AF_MARS' is not an address family", F.Cli("start", "family").Stderr);
    }

    [Fact]
    public void ProtectClock_refuses_the_clock_calls_even_beside_an_allow_list_and_drops_the_capabilities()
    {
        F.WriteUnit("clock", $"[Service]\nType=oneshot\nProtectClock=yes\nExecStart={Calls("adjtimex", "getppid")}\n");
        F.WriteUnit("both", $"[Service]\nType=oneshot\nProtectClock=yes\nSystemCallFilter=@system-service @clock\nExecStart={Calls("adjtimex", "getppid")}\n");
        F.WriteUnit("free", $"[Service]\nType=oneshot\nExecStart={Calls("adjtimex")}\nExecStart=/bin/grep CapBnd /proc/self/status\n");
        F.WriteUnit("caps", "[Service]\nType=oneshot\nProtectClock=yes\nExecStart=/bin/grep CapBnd /proc/self/status\n");
        F.Start();
        Assert.Equal(["adjtimex EPERM", "getppid ok"], Run("clock"));
        // The unit's own list allows @clock: ProtectClock='s filter still refuses (the strictest answer wins).
        Assert.Equal(["adjtimex EPERM", "getppid ok"], Run("both"));
        Assert.Equal("adjtimex ok", Run("free")[0]);
        ulong bounding = Convert.ToUInt64(Run("caps")[0].Split('\t')[1], 16);
        Assert.Equal(0UL, bounding & ((1UL << 25) | (1UL << 35))); // CAP_SYS_TIME, CAP_WAKE_ALARM
    }

    [Fact]
    public void SystemCallLog_lets_the_calls_through_and_the_kernel_logs_each_with_the_process()
    {
        // getppid is 110 on x86_64; the kernel's audit writes one line per call, SECCOMP_RET_LOG's code 0x7ffc0000.
        F.WriteUnit("logged", $"[Service]\nType=oneshot\nSystemCallLog=getppid\nSystemCallFilter=~@mount\nSystemCallErrorNumber=EPERM\nExecStart={Calls("pid", "getppid", "mount")}\n");
        F.WriteUnit("quiet", $"[Service]\nType=oneshot\nExecStart={Calls("pid", "getppid")}\n");
        F.WriteUnit("bad", "[Service]\nType=oneshot\nSystemCallLog=getppid nosuchcall\nExecStart=/bin/true\n");
        F.Start();
        var logged = Run("logged");
        // The log filter lets getppid through; the unit's own filter still refuses mount.
        Assert.Equal(["getppid ok", "mount EPERM"], logged.Skip(1).ToList());
        string pid = logged[0].Split(' ')[1];
        string quietPid = Run("quiet")[0].Split(' ')[1];
        string Kernel() => Programs.Output("/usr/bin/dmesg");
        Wait.Until(() => Kernel().Contains($" pid={pid} "), TimeSpan.FromSeconds(5), "the kernel's audit line of the logged call");
        var line = Kernel().Split('\n').Last(l => l.Contains($" pid={pid} "));
        Assert.Contains("type=1326", line);
        Assert.Contains(" syscall=110 ", line);
        Assert.Contains("code=0x7ffc0000", line);
        Assert.DoesNotContain(Kernel().Split('\n'), l => l.Contains("type=1326") && l.Contains($" pid={quietPid} "));
        Assert.Contains("bad.service:3: SystemCallLog=getppid nosuchcall: 'nosuchcall' is not a system call", F.Cli("start", "bad").Stderr);
    }
}
