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

    [Fact]
    public void A_service_without_WorkingDirectory_starts_in_the_root_directory_not_the_daemons()
    {
        string where = Path.Combine(F.Dir, "cwd.txt");
        F.WriteUnit("cwd", $"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'pwd > {where}'\n");
        F.Start(); // the daemon runs wherever the test runner does, which is not /

        Assert.Equal(0, F.Cli("start", "cwd").ExitCode);

        Assert.Equal("/\n", File.ReadAllText(where));
    }

    [Fact]
    public void Control_characters_from_a_process_reach_the_terminal_escaped()
    {
        // A command line carrying an escape sequence (set the terminal's title, then turn text red), as
        // its argv[0] ('@'): first on the line, where no clipping of a long line can hide it.
        F.WriteUnit("evil", $"[Service]\nExecStart=@{Repo.Workload} \"\\x1b]0;pwned\\x07\\x1b[31mred\" sleep\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "evil").ExitCode);

        var status = F.Cli("status", "evil");
        var ps = F.Cli("ps", "evil");

        foreach (var output in new[] { status.Stdout, ps.Stdout })
        {
            Assert.DoesNotContain('\x1b', output);
            Assert.DoesNotContain('\x07', output);
            Assert.Contains("\\x1b]0;pwned\\x07\\x1b[31mred", output);
        }
        Assert.Equal(0, F.Cli("stop", "evil").ExitCode);
    }
}
