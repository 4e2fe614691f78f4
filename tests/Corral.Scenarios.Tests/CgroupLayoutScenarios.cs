using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Limits a host cannot enforce are said out loud (issue #18). The daemon is run with
/// <c>--cgroup-layout unified</c>: on this hybrid machine the cgroup2 hierarchy has no memory or pids
/// controller, so a unit's MemoryMax= and TasksMax= cannot be enforced there — as on a pure-v2 host
/// whose root does not delegate them, or in a container. The service runs (as systemd runs it), and
/// the load, status and /metrics say the limits are not enforced. With the v1 controllers (the
/// default layout here) the same unit is enforced, and nothing is said.
/// </summary>
public sealed class CgroupLayoutScenarios : Scenario
{
    private const string Unit = "[Service]\nExecStart={0}\nMemoryMax=100M\nTasksMax=50\n";

    private static long RssKb(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:")).Select(l => long.Parse(l[6..].Trim().Split(' ')[0])).FirstOrDefault();

    [Fact]
    public void A_limit_without_its_controller_is_said_at_load_in_status_and_in_metrics_and_the_service_runs()
    {
        var web = new WebEndpoint(F);
        F.WriteUnit("big", string.Format(Unit, F.Workload("alloc 150")));
        F.Start([.. web.Args, "--cgroup-layout", "unified"]);
        string log = File.ReadAllText(F.DaemonLog);
        Assert.Contains($"corral: cgroups: cgroup v2 under {F.CgroupRoot}; MemoryMax= not enforced (no memory controller in {F.CgroupRoot}", log);
        Assert.Matches(@"big\.service:3: warning: MemoryMax=100M will not be enforced on this host: no memory controller in ", log);
        Assert.Matches(@"big\.service:4: warning: TasksMax=50 will not be enforced on this host: no pids controller in ", log);
        Assert.Contains("MemoryMax=100M will not be enforced", F.Cli("daemon-reload").Stderr);

        Assert.Equal(0, F.Cli("start", "big").ExitCode);
        int pid = int.Parse(F.Prop("big", "MainPID"));
        // It takes 150 MiB, past its MemoryMax=, and runs on: nothing enforces the limit.
        Wait.Until(() => RssKb(pid) > 140 * 1024, TimeSpan.FromSeconds(20), "the service to allocate its 150 MiB");
        Thread.Sleep(1000);
        Assert.Equal("active", F.Prop("big", "ActiveState"));
        Assert.Equal(pid.ToString(), F.Prop("big", "MainPID"));

        var status = F.Cli("status", "big").Stdout;
        Assert.Contains($"Warning: MemoryMax=100M not enforced: no memory controller in {F.CgroupRoot} (its cgroup.controllers:", status);
        Assert.Contains($"Warning: TasksMax=50 not enforced: no pids controller in {F.CgroupRoot}", status);
        Assert.Contains("(limit: 50, not enforced)", status);
        Assert.Equal(0, web.Metric("corral_unit_limit_enforced{unit=\"big.service\",limit=\"MemoryMax\"}"));
        Assert.Equal(0, web.Metric("corral_unit_limit_enforced{unit=\"big.service\",limit=\"TasksMax\"}"));
        Assert.Equal(0, F.Cli("stop", "big").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void With_its_controller_the_same_unit_is_enforced_and_nothing_is_said()
    {
        var web = new WebEndpoint(F);
        F.WriteUnit("big", string.Format(Unit, F.Workload("sleep")));
        F.Start(web.Args);
        Assert.DoesNotContain("will not be enforced", File.ReadAllText(F.DaemonLog));
        Assert.Equal(0, F.Cli("start", "big").ExitCode);
        Assert.DoesNotContain("not enforced", F.Cli("status", "big").Stdout);
        Assert.Equal(1, web.Metric("corral_unit_limit_enforced{unit=\"big.service\",limit=\"MemoryMax\"}"));
        Assert.Equal(1, web.Metric("corral_unit_limit_enforced{unit=\"big.service\",limit=\"TasksMax\"}"));
        Assert.Equal("104857600", F.Prop("big", "MemoryMax"));
    }

    [Fact]
    public void A_bad_cgroup_layout_is_refused_naming_it()
    {
        var r = F.RunDaemonToExit("--cgroup-layout", "v1");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--cgroup-layout 'v1' is not auto", r.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot));
    }
}
