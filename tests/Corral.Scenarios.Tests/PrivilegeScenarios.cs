using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #19 item 3, first part: CapabilityBoundingSet=, AmbientCapabilities= (with User=) and
/// NoNewPrivileges=, each seen from inside the service in /proc/self/status.
/// </summary>
public sealed class PrivilegeScenarios : Scenario
{
    private const string Status = "ExecStart=/bin/grep -E '^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status\nType=oneshot\n";

    /// <summary>The service's status lines, by field, after a oneshot run.</summary>
    private Dictionary<string, string> Fields(string unit)
    {
        var r = F.Cli("start", unit);
        Assert.True(r.ExitCode == 0, r.ToString());
        // "2026-12-02 20:01:47.849 UTC stdout CapBnd:\t0000000000000420"
        return F.Cli("logs", unit).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 5)[4].Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());
    }

    private static ulong Hex(string s) => Convert.ToUInt64(s, 16);

    /// <summary>This test's own bounding set (the daemon's is the same: it is started from here).</summary>
    private static ulong OwnBounding() => Hex(File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapBnd:")).Split(':')[1].Trim());

    [Fact]
    public void CapabilityBoundingSet_keeps_what_is_listed_all_but_what_is_inverted_or_nothing()
    {
        F.WriteUnit("listed", $"[Service]\n{Status}CapabilityBoundingSet=CAP_NET_BIND_SERVICE kill\n");
        F.WriteUnit("merged", $"[Service]\n{Status}CapabilityBoundingSet=CAP_KILL\nCapabilityBoundingSet=CAP_CHOWN\n");
        F.WriteUnit("inverted", $"[Service]\n{Status}CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_NET_RAW\n");
        F.WriteUnit("none", $"[Service]\n{Status}CapabilityBoundingSet=\n");
        F.WriteUnit("unset", $"[Service]\n{Status}");
        F.Start();
        Assert.Equal(0x420UL, Hex(Fields("listed")["CapBnd"]));
        Assert.Equal(0x21UL, Hex(Fields("merged")["CapBnd"]));
        Assert.Equal(OwnBounding() & ~((1UL << 21) | (1UL << 13)), Hex(Fields("inverted")["CapBnd"]));
        var none = Fields("none");
        Assert.Equal((0UL, 0UL), (Hex(none["CapBnd"]), Hex(none["CapEff"])));
        Assert.Equal(OwnBounding(), Hex(Fields("unset")["CapBnd"]));
    }

    [Fact]
    public void AmbientCapabilities_give_a_service_of_another_user_exactly_those_capabilities()
    {
        F.WriteUnit("bind", $"[Service]\n{Status}User=nobody\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        F.WriteUnit("plain", $"[Service]\n{Status}User=nobody\n");
        F.Start();
        var bind = Fields("bind");
        Assert.Equal((0x400UL, 0x400UL, 0x400UL), (Hex(bind["CapAmb"]), Hex(bind["CapEff"]), Hex(bind["CapPrm"])));
        var plain = Fields("plain");
        Assert.Equal((0UL, 0UL), (Hex(plain["CapAmb"]), Hex(plain["CapEff"])));
    }

    [Fact]
    public void NoNewPrivileges_is_set_in_the_service_and_only_when_asked()
    {
        F.WriteUnit("locked", $"[Service]\n{Status}NoNewPrivileges=yes\n");
        F.WriteUnit("open", $"[Service]\n{Status}");
        F.Start();
        Assert.Equal("1", Fields("locked")["NoNewPrivs"]);
        Assert.Equal("0", Fields("open")["NoNewPrivs"]);
    }

    [Fact]
    public void A_capability_that_cannot_be_had_fails_the_start_by_name_and_an_unknown_one_the_load()
    {
        F.WriteUnit("conflict", $"[Service]\n{Status}CapabilityBoundingSet=CAP_KILL\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        F.WriteUnit("bogus", $"[Service]\n{Status}CapabilityBoundingSet=CAP_KILL CAP_FLY\n");
        F.Start();
        var r = F.Cli("start", "conflict");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("AmbientCapabilities=CAP_NET_BIND_SERVICE cannot be applied: Operation not permitted", F.Cli("status", "conflict").Stdout + r.Stderr);
        var bogus = F.Cli("start", "bogus");
        Assert.NotEqual(0, bogus.ExitCode);
        Assert.Contains("bogus.service:4: CapabilityBoundingSet=CAP_KILL CAP_FLY: 'CAP_FLY' is not a capability", bogus.Stderr);
    }

    [Fact]
    public void A_capability_the_host_does_not_give_the_daemon_fails_the_start_by_name()
    {
        // This machine keeps CAP_SYS_RESOURCE (24) from root (DESIGN.md); the daemon, started by this test, has what the test has.
        bool hostHasIt = (OwnBounding() & (1UL << 24)) != 0;
        F.WriteUnit("wants", $"[Service]\n{Status}User=nobody\nAmbientCapabilities=CAP_SYS_RESOURCE\n");
        F.Start();
        var r = F.Cli("start", "wants");
        if (hostHasIt)
        {
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Equal("0000000001000000", Fields("wants")["CapAmb"]);
            return;
        }
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("AmbientCapabilities=CAP_SYS_RESOURCE cannot be applied: Operation not permitted", r.Stderr);
        Assert.Contains("Result: resources", F.Cli("status", "wants").Stdout);
    }

    [Fact]
    public void The_bang_prefix_leaves_the_credentials_to_the_program_and_the_double_bang_changes_nothing_on_this_kernel()
    {
        F.WriteUnit("bang", "[Service]\nType=oneshot\nUser=nobody\nNoNewPrivileges=yes\n"
            + "ExecStart=!/usr/bin/id -u\nExecStart=!!/usr/bin/id -u\nExecStart=/usr/bin/id -u\n"
            + "ExecStart=!/bin/sh -c 'echo $USER; grep NoNewPrivs /proc/self/status'\n");
        F.Start();
        var r = F.Cli("start", "bang");
        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = F.Cli("logs", "bang").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 5)[4]);
        // '!': root, but the rest of the unit still applies (the user's environment, no new privileges).
        Assert.Equal(["0", "65534", "65534", "nobody", "NoNewPrivs:\t1"], lines);
    }

    [Fact]
    public void KeyringMode_gives_each_service_a_session_keyring_of_its_own_unless_inherit_and_SecureBits_are_set_before_the_exec()
    {
        string probe = $"{Repo.Workload} calls keyring securebits";
        F.WriteUnit("private", $"[Service]\nType=oneshot\nExecStart={probe}\n");
        F.WriteUnit("inherit", $"[Service]\nType=oneshot\nKeyringMode=inherit\nExecStart={probe}\n");
        F.WriteUnit("bits", $"[Service]\nType=oneshot\nSecureBits=noroot keep-caps-locked\nExecStart={probe}\n");
        F.WriteUnit("badbits", $"[Service]\nType=oneshot\nSecureBits=noroot fly\nExecStart={probe}\n");
        F.Start();
        // The daemon's session keyring is this test's: it started the daemon.
        string own = Programs.Output(Repo.Workload, "calls", "keyring").Trim();
        List<string> Run(string unit)
        {
            var r = F.Cli("start", unit);
            Assert.True(r.ExitCode == 0, r.ToString());
            return F.Cli("logs", unit).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 5)[4]).TakeLast(2).ToList();
        }
        Assert.Equal([own, "securebits 0"], Run("inherit"));
        string first = Run("private")[0], second = Run("private")[0];
        Assert.StartsWith("keyring ", first);
        Assert.NotEqual(own, first);
        Assert.NotEqual(first, second); // each run its own, as each process of a systemd service
        // keep-caps is cleared by the exec, its lock is not (capabilities(7)): noroot (1) | keep-caps-locked (32).
        Assert.Equal("securebits 33", Run("bits")[1]);
        Assert.Contains("badbits.service:3: SecureBits=noroot fly: 'fly' is not one of keep-caps", F.Cli("start", "badbits").Stderr);
    }
}
