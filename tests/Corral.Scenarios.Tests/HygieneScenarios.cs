using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// SCENARIOS K11: at its first instruction a service is in its cgroup, with clean signals and only fds
/// 0-2. Clean as systemd makes it: nothing blocked, every signal at its default but SIGPIPE, which
/// IgnoreSIGPIPE= (default yes, issue #14 item 7) ignores unless the unit says no.
/// </summary>
public sealed class HygieneScenarios : Scenario
{
    [Fact]
    public void K11_Every_one_of_a_thousand_starts_begins_in_the_cgroup_with_clean_signals_and_no_stray_fds()
    {
        string report = Path.Combine(F.Dir, "hygiene.txt");
        F.WriteUnit("k11", $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart={Repo.Workload} hygiene {report}\n");
        F.Start();
        for (int batch = 0; batch < 10; batch++)
        {
            var r = F.CliWithTimeout(TimeSpan.FromMinutes(2), ["start", .. Enumerable.Repeat("k11", 100)]);
            Assert.True(r.ExitCode == 0, r.ToString());
        }

        var lines = File.ReadAllLines(report);
        Assert.Equal(1000, lines.Length);
        string expectedCgroup = "/" + Path.GetRelativePath(F.Layout.UnifiedMount, F.CgroupOf("k11").Path);
        var wrong = lines.Select(l => l.Split('|'))
            .Where(f => f[1] != expectedCgroup || f[2] != "0000000000000000" || f[3] != SigpipeOnly || f[4] != "0,1,2")
            .Select(f => string.Join('|', f)).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} starts were not clean, e.g. {wrong.FirstOrDefault()} (expected cgroup {expectedCgroup})");
        Assert.Equal(1000, lines.Select(l => l.Split('|')[0]).Distinct().Count());
    }

    // SigIgn in /proc/PID/status: bit N-1 for signal N; SIGPIPE is 13.
    private const string SigpipeOnly = "0000000000001000";

    [Fact]
    public void K11_IgnoreSIGPIPE_no_starts_a_service_with_every_signal_at_its_default()
    {
        string report = Path.Combine(F.Dir, "hygiene-no.txt");
        F.WriteUnit("k11no", $"[Service]\nType=oneshot\nIgnoreSIGPIPE=no\nExecStart={Repo.Workload} hygiene {report}\n");
        F.WriteUnit("k11yes", $"[Service]\nType=oneshot\nIgnoreSIGPIPE=yes\nExecStart={Repo.Workload} hygiene {report}\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "k11no").ExitCode);
        Assert.Equal(0, F.Cli("start", "k11yes").ExitCode);

        var ignored = File.ReadAllLines(report).Select(l => l.Split('|')[3]).ToList();
        Assert.Equal(["0000000000000000", SigpipeOnly], ignored);
    }
}
