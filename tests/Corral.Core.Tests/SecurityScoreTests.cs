using System.Diagnostics;
using System.Text.RegularExpressions;
using Corral.Core.Security;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>
/// #19 item 5: `corral security` scores a unit as `systemd-analyze security` does. Every check's
/// exposure and the overall figure are compared with Debian's systemd-analyze --offline=yes on the
/// same file: units made to move every check through its levels, and every service unit Debian's
/// packages installed on this machine.
/// </summary>
public sealed partial class SecurityScoreTests
{
    /// <summary>Units that take each check through its levels (every line a unit's [Service] body beyond ExecStart=).</summary>
    public static readonly string[] Variants =
    [
        "",
        "User=nobody",
        "User=daemon\nSupplementaryGroups=adm",
        "User=daemon\nRemoveIPC=yes\nUMask=0077",
        "DynamicUser=yes",
        "DynamicUser=yes\nUser=root\nProtectHome=tmpfs",
        "ProtectSystem=yes\nProtectHome=read-only\nUMask=0002",
        "ProtectSystem=full\nProtectHome=tmpfs\nUMask=0027",
        "ProtectSystem=strict\nProtectHome=yes\nUMask=0000\nProtectProc=noaccess\nProcSubset=pid",
        "PrivateDevices=yes\nPrivateMounts=yes\nPrivateNetwork=yes\nPrivateTmp=yes\nPrivateUsers=yes",
        "ProtectControlGroups=yes\nProtectKernelModules=yes\nProtectKernelTunables=yes\nProtectKernelLogs=yes\nProtectClock=yes\nProtectHostname=yes",
        "PrivateDevices=yes\nDeviceAllow=/dev/fuse rw",
        "DevicePolicy=closed",
        "DevicePolicy=strict\nDeviceAllow=char-pts rw",
        "RootDirectory=/srv/root",
        "RootDirectory=/",
        "LockPersonality=yes\nMemoryDenyWriteExecute=yes\nNoNewPrivileges=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_KILL\nAmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE CAP_SETUID",
        "CapabilityBoundingSet=",
        "KeyringMode=shared\nNotifyAccess=all\nDelegate=yes",
        "KeyringMode=inherit\nDelegate=cpu memory",
        "ProtectProc=invisible",
        "RestrictNamespaces=yes",
        "RestrictNamespaces=net ipc",
        "RestrictNamespaces=~user mnt",
        "RestrictAddressFamilies=AF_UNIX",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK",
        "RestrictAddressFamilies=~AF_PACKET AF_BLUETOOTH",
        "RestrictAddressFamilies=none",
        "SystemCallArchitectures=native",
        "SystemCallFilter=@system-service",
        "SystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources",
        "SystemCallFilter=~@mount @swap @reboot",
        "SystemCallFilter=~@obsolete @clock @cpu-emulation @debug @module @raw-io @privileged @resources @mount @swap @reboot",
        "SystemCallFilter=@basic-io @file-system",
        "SystemCallFilter=~mount\nSystemCallFilter=mount",
        "IPAddressDeny=any",
        "IPAddressDeny=any\nIPAddressAllow=localhost",
        "IPAddressDeny=any\nIPAddressAllow=10.0.0.0/8",
        "IPAddressDeny=0.0.0.0/0",
        "IPAddressDeny=0.0.0.0/0 ::/0\nIPAddressAllow=127.0.0.1 ::1",
        "IPAddressDeny=any\nIPAddressDeny=",
        "[Unit]\nDefaultDependencies=no\n[Service]\nProtectSystem=strict",
    ];

    [Fact]
    public void Every_check_of_the_units_made_for_it_scores_as_systemd_analyze()
    {
        var dir = Directory.CreateTempSubdirectory("corral-security-");
        try
        {
            var failures = new List<string>();
            for (int i = 0; i < Variants.Length; i++)
            {
                string body = Variants[i].StartsWith('[') ? Variants[i] : "[Service]\n" + Variants[i];
                string path = Path.Combine(dir.FullName, $"variant{i}.service");
                File.WriteAllText(path, $"[Service]\nExecStart=/bin/true\n{body}\n");
                failures.AddRange(Compare(path));
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Every_service_Debian_installed_here_scores_as_systemd_analyze()
    {
        int compared = 0;
        var failures = new List<string>();
        foreach (var path in Directory.GetFiles("/lib/systemd/system", "*.service").Order(StringComparer.Ordinal))
        {
            // Aliases are links to another unit's file; templates need an instance.
            if (new FileInfo(path).LinkTarget is not null || Path.GetFileName(path).Contains('@')) continue;
            if (ServiceUnitLoader.LoadFile(path).Unit is null) continue;
            failures.AddRange(Compare(path));
            compared++;
        }
        Assert.True(compared >= 40, $"only {compared} of Debian's units loaded");
        Assert.True(failures.Count == 0, $"{failures.Count} differences over {compared} units:\n" + string.Join("\n", failures));
    }

    [Fact]
    public void The_score_falls_from_unsafe_to_ok_as_redis_is_hardened()
    {
        var bare = Assess("");
        Assert.Equal(96, bare.ExposureTenths);
        Assert.Equal("UNSAFE", bare.Level);
        var redis = SecurityAssessment.Of(SecurityFacts.Of(ServiceUnitLoader.LoadFile("/lib/systemd/system/redis-server.service").Unit!, SecurityReading.Systemd));
        Assert.Equal("OK", redis.Level);
        Assert.True(redis.ExposureTenths < 20, SecurityAssessment.Format(redis.ExposureTenths));
        Assert.Equal(81, SecurityChecks.All.Count);
        Assert.Equal(SecurityChecks.All.Count, SecurityChecks.All.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void Corral_reading_counts_what_it_does_not_enforce_as_unset_and_its_slave_mounts_as_private()
    {
        const string unit = "DynamicUser=yes\nDevicePolicy=closed\nIPAddressDeny=any";
        var systemd = Assess(unit, SecurityReading.Systemd);
        var corral = Assess(unit, SecurityReading.Corral);
        Assert.Equal(0, Badness(systemd, "User=/DynamicUser="));
        Assert.Equal(0, Badness(corral, "User=/DynamicUser="));    // enforced: a transient user either way
        Assert.Equal(0, Badness(corral, "RemoveIPC="));            // implied by DynamicUser=, and enforced
        Assert.Equal(10, Badness(corral, "IPAddressDeny="));      // not enforced: no IP filter here
        Assert.Equal(0, Badness(systemd, "IPAddressDeny="));
        Assert.Equal(10, Badness(corral, "DeviceAllow="));
        Assert.Equal(1, Badness(systemd, "PrivateMounts="));      // systemd's offline reading: not implied
        Assert.Equal(0, Badness(corral, "PrivateMounts="));       // Corral: every mount of the namespace is a slave
        Assert.True(corral.ExposureTenths > systemd.ExposureTenths);
    }

    private static int? Badness(SecurityAssessment a, string check) => a.Results.Single(r => r.Check.Name == check).Finding.Badness;

    private static SecurityAssessment Assess(string service, SecurityReading reading = SecurityReading.Systemd)
    {
        var r = ServiceUnitLoader.Load("/etc/corral/units/x.service", $"[Service]\nExecStart=/bin/true\n{service}\n");
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return SecurityAssessment.Of(SecurityFacts.Of(r.Unit!, reading) with { CallExists = Corral.Linux.SystemCalls.Exists });
    }

    /// <summary>The differences between Corral's assessment of a file and systemd-analyze's, one line each.</summary>
    private static IEnumerable<string> Compare(string path)
    {
        var load = ServiceUnitLoader.LoadFile(path);
        if (load.Unit is null) return [$"{path}: Corral does not load it: {string.Join("; ", load.Diagnostics)}"];
        var ours = SecurityAssessment.Of(SecurityFacts.Of(load.Unit, SecurityReading.Systemd) with { CallExists = Corral.Linux.SystemCalls.Exists });
        var (theirs, overall) = SystemdAnalyze(path);
        var diffs = new List<string>();
        string name = Path.GetFileName(path);
        if (overall != SecurityAssessment.Format(ours.ExposureTenths))
            diffs.Add($"{name}: overall {SecurityAssessment.Format(ours.ExposureTenths)}, systemd-analyze {overall}");
        foreach (var r in ours.Results)
        {
            string mine = r.Finding.Badness is null ? "n/a" : r.ExposureTenths is { } t ? SecurityAssessment.Format(t) : r.Finding.Badness == 0 ? "good" : "?";
            if (!theirs.TryGetValue(r.Check.Name, out var other)) diffs.Add($"{name}: {r.Check.Name} is not a check of systemd-analyze");
            else if (other != mine) diffs.Add($"{name}: {r.Check.Name} {mine} ({r.Finding.Description}), systemd-analyze {other}");
        }
        if (theirs.Count != ours.Results.Count) diffs.Add($"{name}: systemd-analyze has {theirs.Count} checks, Corral {ours.Results.Count}");
        return diffs;
    }

    [GeneratedRegex(@"^(?<mark>[✓✗ ]) (?<name>\S+)\s.*?(?<exposure>\d+\.\d)?$")]
    private static partial Regex Row();

    [GeneratedRegex(@"Overall exposure level for .*: (?<x>\d+\.\d) ")]
    private static partial Regex Overall();

    /// <summary>systemd-analyze security --offline=yes of one file: each check's exposure ("0.2", "good" for a ✓, "n/a") and the overall figure.</summary>
    private static (Dictionary<string, string> Checks, string Overall) SystemdAnalyze(string path)
    {
        var psi = new ProcessStartInfo("/usr/bin/systemd-analyze", ["security", "--offline=yes", "--no-pager", path])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(path)!,
        };
        psi.Environment["SYSTEMD_COLORS"] = "0";
        psi.Environment["COLUMNS"] = "400";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var checks = new Dictionary<string, string>();
        string overall = "?";
        foreach (var line in text.Split('\n').Skip(1))
        {
            if (Overall().Match(line) is { Success: true } o) { overall = o.Groups["x"].Value; continue; }
            var m = Row().Match(line);
            if (!m.Success) continue;
            checks[m.Groups["name"].Value] = m.Groups["mark"].Value switch
            {
                " " => "n/a",
                "✓" => "good",
                _ => m.Groups["exposure"].Success ? m.Groups["exposure"].Value : "?",
            };
        }
        Assert.True(checks.Count > 0, $"systemd-analyze said nothing of {path}: {err.Result}");
        return (checks, overall);
    }
}
