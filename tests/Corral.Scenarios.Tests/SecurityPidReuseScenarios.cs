using System.Diagnostics;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Never claim, never kill a process that is not the service's (issue #11, item 7), end to end: a
/// service's 400 children die at once while the daemon's process-event buffer is too small to hear
/// of it, and a process of the test, outside any service, is born on one of their pids (the pids
/// are cycled through: this machine's pid_max is not the test's to change). It is never reported
/// as escaped, and a stop with KillEscaped=yes leaves it alone.
/// </summary>
public sealed class SecurityPidReuseScenarios : Scenario
{
    [Fact]
    public void A_dead_service_processs_pid_reborn_outside_is_never_reported_nor_signalled()
    {
        const int Children = 400;
        F.WriteUnit("burst", $"[Service]\nExecStart={F.Workload($"burst {Children}")}\n[X-Corral]\nKillEscaped=yes\n");
        // The smallest buffer the kernel allows: a burst of exits overflows it (the daemon rescans after).
        F.Start("--proc-events-buffer", "1K");
        Assert.Equal(0, F.Cli("start", "burst").ExitCode);
        WaitForRecorded(Children + 1);
        int main = int.Parse(F.Prop("burst", "MainPID"));
        Wait.Until(() => CgroupPids("burst").Count == Children + 1, TimeSpan.FromSeconds(20), "every child in the cgroup");
        // The lineage is whole before the burst (a rescan adopts what the small buffer lost of the forks).
        Wait.Until(() => F.Cli("ps", "burst").Stdout.Split('\n').Count(l => l.Contains("corral-workload")) >= Children + 1,
            TimeSpan.FromSeconds(20), "corral ps to list every child");

        var children = Survivors.Recorded(F.PidsDir).Where(p => p != main).ToList();
        string targets = Path.Combine(F.Dir, "targets"), ready = Path.Combine(F.Dir, "ready"), taken = Path.Combine(F.Dir, "taken");
        string reusePids = Directory.CreateDirectory(Path.Combine(F.Dir, "reuse-pids")).FullName;
        File.WriteAllLines(targets, children.Select(p => p.ToString()));
        using var cycler = Process.Start(new ProcessStartInfo(Repo.Workload, ["--pids", reusePids, "pidreuse", targets, ready, taken]) { UseShellExecute = false })!;
        try
        {
            Wait.Until(() => File.Exists(ready) || cycler.HasExited, TimeSpan.FromSeconds(60), "the cycler to come just below the children's pids");
            Assert.False(cycler.HasExited, $"the cycler gave up (exit {(cycler.HasExited ? cycler.ExitCode : 0)})");
            // The burst, then at once the cycler: a child of the test is born on one of the dead children's pids.
            Linux.Signaller.TryKill(main, 10);
            Linux.Signaller.TryKill(cycler.Id, 10);
            Wait.Until(() => File.Exists(taken) && File.ReadAllText(taken).EndsWith('\n') || cycler.HasExited, TimeSpan.FromSeconds(60), "a reborn pid");
            Assert.False(cycler.HasExited, "the cycler found no reused pid");
            int reborn = int.Parse(File.ReadAllText(taken).Trim());
            Assert.Contains(reborn, children);
            // The reborn process and its own child.
            List<int> tree = [];
            Wait.Until(() => (tree = Survivors.Alive(reusePids).Where(p => p != cycler.Id).ToList()).Count == 2, TimeSpan.FromSeconds(10), "the reborn process and its child");
            Assert.Contains(reborn, tree);

            // Through the daemon's rescans and prunes: never an escapee, in status, ps, metrics or notices.
            Wait.Until(() => CgroupPids("burst").Count == 1, TimeSpan.FromSeconds(10), "the children to be gone");
            for (int i = 0; i < 6; i++)
            {
                Thread.Sleep(1000);
                var status = F.Cli("status", "burst");
                Assert.DoesNotContain("Escaped", status.Stdout);
                Assert.DoesNotContain("escaped", F.Cli("ps", "burst").Stdout);
            }
            Assert.DoesNotContain(Notices("burst.service"), n => n.GetProperty("kind").GetString() == "escaped");

            // And a stop that kills escapees leaves the test's tree alone.
            var stop = F.Cli("stop", "burst");
            Assert.True(stop.ExitCode == 0, stop.ToString());
            Assert.DoesNotContain("escaped", stop.Stderr);
            Assert.Equal(tree.Order(), Survivors.Alive(reusePids).Where(p => p != cycler.Id).Order());
        }
        finally
        {
            foreach (int pid in Survivors.Alive(reusePids)) Linux.Signaller.TryKill(pid, 9);
            cycler.WaitForExit(10_000);
        }
        AssertNoSurvivors();
    }
}
