using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Services start with clean limits (issue #11, item 8): systemd's defaults or the unit's own
/// Limit*=, never what the daemon inherited (the daemon below is started with odd soft limits, and
/// .NET raises its own soft NOFILE to the hard limit); a limit above what may be granted is lowered
/// to it, as systemd does, and the service's log says so.
/// </summary>
public sealed class SecurityLimitScenarios : Scenario
{
    /// <summary>"Max open files" → (soft, hard) as /proc/PID/limits writes them.</summary>
    private static Dictionary<string, (string Soft, string Hard)> Parse(IEnumerable<string> lines)
    {
        var limits = new Dictionary<string, (string, string)>();
        foreach (var line in lines.Where(l => l.StartsWith("Max ", StringComparison.Ordinal)))
        {
            var parts = line[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            limits[line[..26].Trim()] = (parts[0], parts[1]);
        }
        return limits;
    }

    private Dictionary<string, (string Soft, string Hard)> LimitsOf(string unit)
    {
        Wait.Until(() => F.Cli("logs", unit, "-n", "100").Stdout.Contains("Max realtime timeout"), TimeSpan.FromSeconds(10), $"{unit}'s limits in its log");
        // The log's lines carry a time and stream before the text: take the text after "Max".
        return Parse(F.Cli("logs", unit, "-n", "100").Stdout.Split('\n').Select(l => l.IndexOf("Max ", StringComparison.Ordinal) is int i and >= 0 ? l[i..] : l));
    }

    private static string Hard(string name) => Parse(File.ReadAllLines("/proc/self/limits"))[name].Hard;

    /// <summary>systemd's default limited by what this machine lets the daemon grant (its hard limit, the tests' too).</summary>
    private static string Within(ulong wanted, string name) =>
        Hard(name) == "unlimited" ? wanted.ToString() : Math.Min(wanted, ulong.Parse(Hard(name))).ToString();

    [Fact]
    public void A_service_gets_systemds_default_limits_not_the_daemons()
    {
        F.WriteUnit("limits", "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/cat /proc/self/limits\n");
        F.StartUnder(["/usr/bin/prlimit", "--core=4096:unlimited", "--cpu=500:unlimited", "--fsize=100000000:unlimited", "--stack=1048576:unlimited", "--"]);
        Assert.Equal(0, F.Cli("start", "limits").ExitCode);
        var l = LimitsOf("limits");
        ulong threadsMax = ulong.Parse(File.ReadAllText("/proc/sys/kernel/threads-max").Trim());

        Assert.Equal(("1024", Within(524288, "Max open files")), l["Max open files"]);
        Assert.Equal((Within(8 << 20, "Max locked memory"), Within(8 << 20, "Max locked memory")), l["Max locked memory"]);
        Assert.Equal(("unlimited", "unlimited"), l["Max core file size"]);
        Assert.Equal(("unlimited", "unlimited"), l["Max cpu time"]);
        Assert.Equal(("unlimited", "unlimited"), l["Max file size"]);
        Assert.Equal(((8 << 20).ToString(), "unlimited"), l["Max stack size"]);
        Assert.Equal((Within(threadsMax / 2, "Max processes"), Within(threadsMax / 2, "Max processes")), l["Max processes"]);
        Assert.Equal((Within(threadsMax / 2, "Max pending signals"), Within(threadsMax / 2, "Max pending signals")), l["Max pending signals"]);
        Assert.Equal(("819200", "819200"), l["Max msgqueue size"]);
        Assert.Equal(("0", "0"), l["Max nice priority"]);
    }

    [Fact]
    public void A_units_own_limits_win_and_one_above_what_may_be_granted_is_lowered_and_said()
    {
        string hard = Hard("Max open files");
        ulong above = hard == "unlimited" ? 0 : ulong.Parse(hard) + 1000;
        F.WriteUnit("own", "[Service]\nType=oneshot\nRemainAfterExit=yes\nLimitNOFILE=4096:8192\nLimitCORE=0\nExecStart=/bin/cat /proc/self/limits\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "own").ExitCode);
        var own = LimitsOf("own");
        Assert.Equal(("4096", "8192"), own["Max open files"]);
        Assert.Equal(("0", "0"), own["Max core file size"]);

        if (above == 0) return; // an unlimited hard limit: nothing is above it
        F.WriteUnit("greedy", $"[Service]\nType=oneshot\nRemainAfterExit=yes\nLimitNOFILE={above}\nExecStart=/bin/cat /proc/self/limits\n");
        Assert.Equal(0, F.Cli("daemon-reload").ExitCode);
        var start = F.Cli("start", "greedy");
        Assert.True(start.ExitCode == 0, start.ToString());
        var greedy = LimitsOf("greedy");
        Assert.Equal((hard, hard), greedy["Max open files"]);
        Assert.Contains($"corral-exec: LimitNOFILE={above}:{above} cannot be granted without CAP_SYS_RESOURCE; set to {hard}:{hard}", F.Cli("logs", "greedy").Stdout);
        // Said where the administrator looks too: by start, and in status (issue #14, item 6).
        string said = $"LimitNOFILE={above}:{above} cannot be granted (no CAP_SYS_RESOURCE, or above fs.nr_open); set to {hard}:{hard}";
        Assert.Contains($"corral: warning: greedy.service: {said}", start.Stderr);
        Assert.Contains($"    Warning: {said}", F.Cli("status", "greedy").Stdout);
    }

    [Fact]
    public void Every_Limit_directive_reaches_the_service_in_its_own_unit()
    {
        F.WriteUnit("all", "[Service]\nType=oneshot\nExecStart=/bin/cat /proc/self/limits\n" +
            "LimitCPU=2min\nLimitFSIZE=10M\nLimitDATA=1G\nLimitSTACK=4M:8M\nLimitRSS=1G\nLimitAS=infinity\nLimitNPROC=1000\n" +
            "LimitMEMLOCK=64K\nLimitLOCKS=500\nLimitSIGPENDING=100\nLimitMSGQUEUE=8K\nLimitNICE=-5\nLimitRTPRIO=10\nLimitRTTIME=500ms\n");
        F.Start();
        var start = F.Cli("start", "all");
        Assert.True(start.ExitCode == 0, start.ToString());
        var l = LimitsOf("all");

        Assert.Equal(("120", "120"), l["Max cpu time"]);
        Assert.Equal(("10485760", "10485760"), l["Max file size"]);
        Assert.Equal(("1073741824", "1073741824"), l["Max data size"]);
        Assert.Equal(("4194304", Within(8 << 20, "Max stack size")), l["Max stack size"]);
        Assert.Equal(("1073741824", "1073741824"), l["Max resident set"]);
        Assert.Equal(("unlimited", "unlimited"), l["Max address space"]);
        Assert.Equal((Within(1000, "Max processes"), Within(1000, "Max processes")), l["Max processes"]);
        Assert.Equal((Within(65536, "Max locked memory"), Within(65536, "Max locked memory")), l["Max locked memory"]);
        Assert.Equal(("500", "500"), l["Max file locks"]);
        Assert.Equal((Within(100, "Max pending signals"), Within(100, "Max pending signals")), l["Max pending signals"]);
        Assert.Equal((Within(8192, "Max msgqueue size"), Within(8192, "Max msgqueue size")), l["Max msgqueue size"]);
        // A nice level of -5 is the limit 25; with no CAP_SYS_RESOURCE root's hard limit of 0 holds it down, and start says so.
        Assert.Equal((Within(25, "Max nice priority"), Within(25, "Max nice priority")), l["Max nice priority"]);
        Assert.Equal((Within(10, "Max realtime priority"), Within(10, "Max realtime priority")), l["Max realtime priority"]);
        Assert.Equal(("500000", "500000"), l["Max realtime timeout"]);
        if (Within(25, "Max nice priority") != "25") Assert.Contains("LimitNICE=25:25 cannot be granted", start.Stderr);
    }
}
