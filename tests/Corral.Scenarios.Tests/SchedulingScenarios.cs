using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Nice=, CPUSchedulingPolicy=, IOSchedulingClass= and OOMScoreAdjust= (issue #14, item 6) on real
/// processes, read back from /proc and ionice; where this machine refuses one (no CAP_SYS_RESOURCE for
/// a lower OOM score), the start goes on with a warning, as the issue asks.
/// </summary>
public sealed class SchedulingScenarios : Scenario
{
    /// <summary>The fields of /proc/PID/stat after the command's ')': [0] is field 3 (state).</summary>
    private static string[] Stat(int pid)
    {
        string text = File.ReadAllText($"/proc/{pid}/stat");
        return text[(text.LastIndexOf(')') + 2)..].Split(' ');
    }

    private static string Ionice(int pid) => Programs.Output("/usr/bin/ionice", "-p", pid.ToString());

    [Fact]
    public void Nice_the_batch_policy_and_the_idle_io_class_are_what_the_process_runs_with()
    {
        F.WriteUnit("polite", $"[Service]\nNice=7\nCPUSchedulingPolicy=batch\nIOSchedulingClass=idle\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("eager", $"[Service]\nIOSchedulingClass=best-effort\nIOSchedulingPriority=1\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "polite").ExitCode);
        Assert.Equal(0, F.Cli("start", "eager").ExitCode);

        var polite = Stat(int.Parse(F.Prop("polite", "MainPID")));
        Assert.Equal(("7", "3"), (polite[16], polite[38])); // nice; policy SCHED_BATCH
        Assert.Equal("idle", Ionice(int.Parse(F.Prop("polite", "MainPID"))));
        Assert.Equal("best-effort: prio 1", Ionice(int.Parse(F.Prop("eager", "MainPID"))));
        Assert.Equal(0, F.Cli("stop", "polite").ExitCode);
        Assert.Equal(0, F.Cli("stop", "eager").ExitCode);
    }

    [Fact]
    public void A_lower_OOM_score_or_a_realtime_policy_the_kernel_refuses_is_a_warning_and_the_service_runs()
    {
        F.WriteUnit("shielded", $"[Service]\nOOMScoreAdjust=-500\nCPUSchedulingPolicy=fifo\nCPUSchedulingPriority=10\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        var start = F.Cli("start", "shielded");

        Assert.True(start.ExitCode == 0, start.ToString());
        int pid = int.Parse(F.Prop("shielded", "MainPID"));
        string status = F.Cli("status", "shielded").Stdout;
        // Each is either in force or said not to be: never silently missing.
        if (File.ReadAllText($"/proc/{pid}/oom_score_adj").Trim() != "-500")
        {
            Assert.Contains("OOMScoreAdjust=-500 cannot be applied", start.Stderr);
            Assert.Contains("Warning: OOMScoreAdjust=-500 cannot be applied", status);
        }
        var stat = Stat(pid);
        if ((stat[38], stat[37]) != ("1", "10"))
            Assert.Contains("CPUSchedulingPolicy= (policy 1, priority 10) cannot be applied", status);
        Assert.Equal(0, F.Cli("stop", "shielded").ExitCode);
    }

    [Theory]
    [InlineData("Nice=42", "is not an integer between -20 and 19")]
    [InlineData("CPUSchedulingPolicy=fast", "is not one of other, batch, idle, fifo, rr")]
    [InlineData("IOSchedulingPriority=8", "is not an integer between 0 and 7")]
    [InlineData("CPUSchedulingPriority=5", "CPUSchedulingPriority= above 0 needs CPUSchedulingPolicy=fifo or rr")]
    public void A_value_out_of_range_keeps_the_unit_from_loading(string line, string why)
    {
        F.WriteUnit("bad", $"[Service]\n{line}\nExecStart=/bin/true\n");
        F.Start();

        var start = F.Cli("start", "bad");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains(why, start.Stderr);
    }
}
