using System.Globalization;
using Corral.Linux.Procfs;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>The machine as Corral reports it: the process table against its limits, and process events the kernel dropped.</summary>
public sealed class MachineScenarios : Scenario
{
    [Fact]
    public void Status_without_a_unit_shows_the_process_table_against_pid_max_and_threads_max()
    {
        F.Start();
        string status = F.Cli("status").Stdout;
        var line = Assert.Single(status.Split('\n'), l => l.StartsWith("Process table: "));
        long pidMax = long.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());
        long threadsMax = long.Parse(File.ReadAllText("/proc/sys/kernel/threads-max").Trim());
        Assert.Matches($@"^Process table: \d+ threads in \d+ processes: [\d.]+% of kernel.pid_max {pidMax}, [\d.]+% of kernel.threads-max {threadsMax}$", line);
        Assert.DoesNotContain("PRESSURE", line);
        Assert.Matches(@"Process events: \d+ read, 0 socket overruns, 0 rescans, 0 exits lost", status);
    }

    [Fact]
    public void Filling_the_process_table_past_the_share_raises_pid_pressure_and_emptying_it_clears_it()
    {
        // A threshold 200 threads above today's use: a service of 500 processes crosses it.
        var now = ProcessTable.ReadThreads();
        long limit = Math.Min(now.PidMax, now.ThreadsMax);
        string percent = ProcessTableUse.Percent(Math.Round((now.Threads + 200.0) / limit, 4)); // as the daemon prints it
        F.WriteUnit("crowd", $"[Service]\nExecStart={F.Workload("pool 500")}\n");
        F.Start("--pid-pressure", percent);
        Assert.Empty(Notices());

        Assert.Equal(0, F.Cli("start", "crowd").ExitCode);
        WaitForRecorded(501);
        var raised = WaitForNotice(null, "pid-pressure");
        Assert.StartsWith("the process table is ", raised.GetProperty("message").GetString());
        Assert.Contains($"past the warning share of {percent}", raised.GetProperty("message").GetString());
        Assert.True(raised.GetProperty("count").GetInt64() >= now.Threads + 200);
        Assert.Equal(JsonValueKindNull, raised.GetProperty("unit").ValueKind);
        Assert.Contains($"— PRESSURE: past the warning share of {percent}", F.Cli("status").Stdout);

        Assert.Equal(0, F.Cli("stop", "crowd").ExitCode);
        var cleared = WaitForNotice(null, "pid-pressure-cleared");
        Assert.StartsWith("the process table is back to ", cleared.GetProperty("message").GetString());
        Assert.DoesNotContain("PRESSURE", F.Cli("status").Stdout);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    [Fact]
    public void Bad_monitor_options_are_refused_naming_the_option()
    {
        var r = F.Cli("daemon", "--pid-pressure", "180%", "--socket", Path.Combine(F.Dir, "never.sock"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--pid-pressure '180%' is not a percentage above 0 and at most 100", r.Stderr);
        r = F.Cli("daemon", "--monitor-interval", "soon", "--socket", Path.Combine(F.Dir, "never.sock"));
        Assert.Contains("--monitor-interval 'soon' is not a time span", r.Stderr);
        r = F.Cli("daemon", "--proc-events-buffer", "12", "--socket", Path.Combine(F.Dir, "never.sock"));
        Assert.Contains("--proc-events-buffer '12' is not a size between 1K and 2G", r.Stderr);
        Assert.False(File.Exists(Path.Combine(F.Dir, "never.sock")));
    }

    [Fact]
    public void Dropped_process_events_are_counted_reported_and_followed_by_a_rescan()
    {
        // The smallest buffer: a fork storm overflows it, as a 32 MiB one would on a bigger storm.
        F.WriteUnit("storm", $"[Service]\nExecStart={F.Workload("forkstorm 3")}\nType=oneshot\nTimeoutStartSec=30\nTasksMax=200\n");
        F.Start("--proc-events-buffer", "1K");
        Assert.Equal(0, F.Cli("start", "storm").ExitCode);

        var lost = WaitForNotice(null, "events-lost");
        Assert.Matches(@"^the kernel dropped process events \(\d+ socket overruns? of the process connector\); rescanned /proc and \d+ service cgroups?: \d+ untracked process(es)? adopted, \d+ gone without an exit event, \d+ zombies? found$",
            lost.GetProperty("message").GetString());
        Assert.True(lost.GetProperty("count").GetInt64() > 0);
        Assert.Matches(@"Process events: \d+ read, [1-9]\d* socket overruns, [1-9]\d* rescans, \d+ exits lost", F.Cli("status").Stdout);
    }
}
