using Corral.Linux.Cgroups;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS Z3: a process moved out of the service's cgroup is found by its lineage, reported, and killed on request.</summary>
public sealed class EscapeScenarios : Scenario
{
    // The notices come from the health monitor: a short interval, and waits counted in its passes.
    protected override string[] DaemonArgs => ["--monitor-interval", "200ms"];

    private (int Escapee, string Elsewhere) StartAndEscape(string unitBody)
    {
        StartService("z3", unitBody);
        WaitForRecorded(3);
        int main = int.Parse(F.Prop("z3", "MainPID"));
        int escapee = Survivors.Recorded(F.PidsDir).Where(p => p != main).Max();
        // Someone moves it: a cgroup beside the service's, under this test's own root.
        string elsewhere = Path.Combine(F.CgroupRoot, "elsewhere");
        Directory.CreateDirectory(elsewhere);
        CgroupFile.Write(Path.Combine(elsewhere, "cgroup.procs"), escapee.ToString());
        Assert.DoesNotContain(escapee, CgroupPids("z3"));
        return (escapee, "/" + Path.GetRelativePath(F.Layout.UnifiedMount, elsewhere));
    }

    [Fact]
    public void Z3_An_escaped_process_is_reported_and_stop_says_it_was_left_running()
    {
        var (escapee, elsewhere) = StartAndEscape($"[Service]\nExecStart={F.Workload("sigtree")}\nTimeoutStopSec=5\n");

        // Known once the escapee's fork event has been read: the connector may trail the move by a moment.
        Wait.Until(() => F.Cli("status", "z3").Stdout.Contains($"Escaped: {escapee} (corral-workload) left the cgroup, now in {elsewhere}"),
            TimeSpan.FromSeconds(5), "the escape in status");
        var notice = WaitForNotice("z3", "escaped");
        Assert.Equal(escapee, notice.GetProperty("pid").GetInt32());
        Assert.Equal($"pid {escapee} (corral-workload) left the service's cgroup {F.CgroupOf("z3").Path[F.Layout.UnifiedMount.Length..]} and is now in {elsewhere}; stop will leave it running (KillEscaped=no)",
            notice.GetProperty("message").GetString());
        WaitForMonitorTicks(2); // raised once, not on every look
        Assert.Single(Notices("z3"));
        Assert.Contains($"escaped: {escapee} (corral-workload) left the unit's cgroup, now in {elsewhere}", F.Cli("ps", "z3").Stdout);

        var stop = F.Cli("stop", "z3");

        Assert.Equal(0, stop.ExitCode);
        Assert.Contains($"had escaped its cgroup and were left running (KillEscaped=yes kills them): {escapee} (corral-workload) in {elsewhere}", stop.Stderr);
        Assert.Equal([escapee], Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public void Z3_With_KillEscaped_yes_stop_kills_the_escaped_process_and_records_why()
    {
        var (escapee, _) = StartAndEscape($"[Service]\nExecStart={F.Workload("sigtree")}\nTimeoutStopSec=5\n[X-Corral]\nKillEscaped=yes\n");
        Assert.EndsWith("; it will be killed on stop (KillEscaped=yes)", WaitForNotice("z3", "escaped").GetProperty("message").GetString());

        var stop = F.Cli("stop", "z3");

        Assert.Equal(0, stop.ExitCode);
        Assert.DoesNotContain("escaped", stop.Stderr);
        Wait.Until(() => Survivors.Alive(F.PidsDir).Count == 0, TimeSpan.FromSeconds(5), "the escaped process to die");
        Wait.Until(() => F.Cli("why", "z3", "--all", "-n", "10").Stdout.Contains($"process {escapee} (corral-workload) was killed by SIGKILL from corral"),
            TimeSpan.FromSeconds(5), "the escapee's death record");
        Assert.Contains("KillEscaped=yes", F.Cli("why", "z3", "--all", "-n", "10").Stdout);
    }
}
