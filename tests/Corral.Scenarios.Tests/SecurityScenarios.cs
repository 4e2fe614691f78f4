using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #19 item 5: `corral security` through the real daemon and CLI. A unit's score is systemd-analyze
/// security's on the same file (Debian's systemd, --offline=yes), check by check; beside it the
/// score as Corral runs the unit here, and what it does not enforce, and why.
/// </summary>
public sealed class SecurityScenarios : Scenario
{
    /// <summary>systemd-analyze security --offline=yes of a file: each check's exposure (null: none) and the overall figure.</summary>
    private static (Dictionary<string, string?> Checks, string Overall) Analyze(string path)
    {
        var (code, json, err) = Programs.Run("/usr/bin/systemd-analyze", "security", "--offline=yes", "--json=short", path);
        Assert.True(code == 0, err);
        var checks = new Dictionary<string, string?>();
        foreach (var c in JsonDocument.Parse(json).RootElement.EnumerateArray())
        {
            var x = c.GetProperty("exposure");
            checks[c.GetProperty("name").GetString()!] = x.ValueKind == JsonValueKind.Null ? null : x.GetString();
        }
        var text = Programs.Output("/usr/bin/systemd-analyze", "security", "--offline=yes", "--no-pager", path);
        var overall = Regex.Match(text, @"Overall exposure level for \S+: (\d+\.\d) ").Groups[1].Value;
        return (checks, overall);
    }

    private JsonElement Report(string unit)
    {
        var r = F.Cli("security", unit, "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    [Fact]
    public void Debian_redis_unit_scores_as_systemd_analyze_and_Corral_says_what_it_does_not_enforce()
    {
        File.Copy("/lib/systemd/system/redis-server.service", Path.Combine(F.UnitDir, "redis-server.service"));
        F.WriteUnit("bare", "[Service]\nExecStart=/bin/sleep 60\n");
        F.Start();
        foreach (var unit in new[] { "redis-server", "bare" })
        {
            var report = Report(unit);
            var (theirs, overall) = Analyze(Path.Combine(F.UnitDir, unit + ".service"));
            Assert.Equal(overall, report.GetProperty("exposure").GetString());
            var checks = report.GetProperty("checks").EnumerateArray().ToList();
            Assert.Equal(theirs.Count, checks.Count);
            foreach (var c in checks)
            {
                string name = c.GetProperty("name").GetString()!;
                Assert.True(theirs.ContainsKey(name), $"{name} is no check of systemd-analyze");
                Assert.True(theirs[name] == c.GetProperty("exposure").GetString(), $"{unit}: {name}: Corral {c.GetProperty("exposure")}, systemd-analyze {theirs[name]}");
            }
        }

        // The text: systemd's figure, then Corral's, and where they differ, why.
        string text = F.Cli("security", "redis-server").Stdout;
        var redis = Report("redis-server");
        Assert.Contains($"→ Overall exposure level for redis-server.service: {redis.GetProperty("exposure").GetString()} OK", text);
        Assert.Contains($"→ As Corral runs it on this host: {redis.GetProperty("corralExposure").GetString()} OK", text);
        // Everything the unit asks for is enforced; what differs is Corral's own doing: no device policy, slave mounts.
        Assert.Empty(redis.GetProperty("notEnforced").EnumerateArray());
        Assert.Matches(@"✗ DeviceAllow=\s.*\s0\.1  0\.2  may open any device node it sees \(no device policy\)", text);
        // What Corral does beyond the file: every mount of a sandboxed service's namespace is a slave.
        var mounts = redis.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "PrivateMounts=");
        Assert.Equal(1, mounts.GetProperty("badness").GetInt32());
        Assert.Equal(0, mounts.GetProperty("corralBadness").GetInt32());
    }

    [Fact]
    public void What_Corral_does_not_enforce_counts_as_unset_under_Corral_and_says_why()
    {
        F.WriteUnit("wishful", "[Service]\nExecStart=/bin/sleep 60\nUser=nobody\nDevicePolicy=closed\nIPAddressDeny=any\n");
        F.Start();
        var report = Report("wishful");
        JsonElement Check(string name) => report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        Assert.Equal((0, 10), (Check("DeviceAllow=").GetProperty("badness").GetInt32(), Check("DeviceAllow=").GetProperty("corralBadness").GetInt32()));
        Assert.Equal((0, 10), (Check("IPAddressDeny=").GetProperty("badness").GetInt32(), Check("IPAddressDeny=").GetProperty("corralBadness").GetInt32()));
        Assert.Equal(["IPAddressDeny="], Check("IPAddressDeny=").GetProperty("notEnforced").EnumerateArray().Select(d => d.GetString()).ToList());
        Assert.True(double.Parse(report.GetProperty("corralExposure").GetString()!, CultureInfo.InvariantCulture)
            > double.Parse(report.GetProperty("exposure").GetString()!, CultureInfo.InvariantCulture));
        string text = F.Cli("security", "wishful").Stdout;
        Assert.Contains("IPAddressDeny= no IP filter: it is a BPF program on the service's cgroup", text);
        Assert.Contains("DevicePolicy= no device policy: on cgroup v2 it is a BPF program", text);
    }

    [Fact]
    public void Without_a_unit_every_service_is_listed_and_threshold_sets_the_exit_code()
    {
        File.Copy("/lib/systemd/system/redis-server.service", Path.Combine(F.UnitDir, "redis-server.service"));
        F.WriteUnit("bare", "[Service]\nExecStart=/bin/sleep 60\n");
        F.Start();
        var all = F.Cli("security");
        Assert.Equal(0, all.ExitCode);
        var lines = all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("UNIT", lines[0]);
        Assert.Matches(@"^bare\.service\s+9\.6 UNSAFE\s+9\.6  UNSAFE$", lines.Single(l => l.StartsWith("bare.service")));
        Assert.Matches(@"^redis-server\.service\s+\d\.\d OK\s+\d\.\d  OK$", lines.Single(l => l.StartsWith("redis-server.service")));
        Assert.Equal(1, F.Cli("security", "--threshold", "50").ExitCode);
        Assert.Equal(0, F.Cli("security", "redis-server", "--threshold", "50").ExitCode);
        Assert.Equal(1, F.Cli("security", "bare", "redis-server", "--threshold", "50").ExitCode);
    }

    [Fact]
    public void Bad_requests_are_refused_by_name()
    {
        F.WriteUnit("broken", "[Service]\nExecStart=/bin/true\nProtectSystem=sideways\n");
        F.WriteUnit("tmpl@", "[Service]\nExecStart=/bin/echo %i\n");
        F.WriteUnit("grouping.target", "[Unit]\nDescription=a target\n");
        F.Start();
        var missing = F.Cli("security", "nosuch");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("unit nosuch.service not found", missing.Stderr);
        var broken = F.Cli("security", "broken");
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("unit broken.service failed to load", broken.Stderr);
        Assert.Contains("ProtectSystem=sideways", broken.Stderr);
        Assert.Contains("is a target", F.Cli("security", "grouping.target").Stderr);
        Assert.Contains("is a template", F.Cli("security", "tmpl@.service").Stderr);
        // An instance is scored as its template makes it.
        Assert.Equal(0, F.Cli("security", "tmpl@one").ExitCode);
        // A name that is no unit's is refused before any file is read (as a path the router has no route for, or by name).
        var path = F.Cli("security", "../../etc/passwd");
        Assert.NotEqual(0, path.ExitCode);
        Assert.Matches("no such API path|not a unit name", path.Stderr);
        var threshold = F.Cli("security", "--threshold", "ten");
        Assert.NotEqual(0, threshold.ExitCode);
        Assert.Contains("--threshold ten: not a number from 0 to 100", threshold.Stderr);
    }
}
