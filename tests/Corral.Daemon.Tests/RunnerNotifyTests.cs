using System.Text;
using Corral.Core.Deaths;
using Corral.Core.Notify;
using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Daemon.Services;

namespace Corral.Daemon.Tests;

/// <summary>
/// What a runner does with the notifications its service sends (issue #14, item 1), on a fake
/// kernel and a fake clock: the start that waits for READY=1, NotifyAccess=, the watchdog, and
/// timeout extensions. The socket and the router are proven against a real daemon (NotifyScenarios).
/// </summary>
public sealed class RunnerNotifyTests : IDisposable
{
    private readonly RunnerHarness _h = new();

    private static NotifyMessage Message(string text)
    {
        Assert.True(NotifyMessage.TryParse(Encoding.UTF8.GetBytes(text), out var m, out var error), error);
        return m;
    }

    /// <summary>A notification from <paramref name="pid"/>, handled before this returns.</summary>
    private static Task Say(ServiceRunner r, int pid, string text)
    {
        r.Notified(pid, Message(text), []);
        return RunnerHarness.Handled(r);
    }

    [Fact]
    public async Task The_start_job_of_a_notify_service_ends_at_READY_not_at_its_exec()
    {
        var r = _h.Runner("ready", "Type=notify\nExecStart=/bin/sleep infinity\n");
        var start = r.StartAsync();
        await RunnerHarness.Handled(r);
        Assert.False(start.IsCompleted);
        Assert.Equal(("activating", "start"), (r.Snapshot(false).ActiveState, r.Snapshot(false).SubState));
        int main = r.Snapshot(false).MainPid;

        await Say(r, main, "STATUS=Loading 3 of 5\nEXTEND_TIMEOUT_USEC=1000000");
        Assert.False(start.IsCompleted);
        Assert.Equal("Loading 3 of 5", r.Snapshot(false).StatusText);

        await Say(r, main, "READY=1\nSTATUS=Serving");
        Assert.True((await start.WaitAsync(TimeSpan.FromSeconds(10))).Ok);
        Assert.Equal(("active", "Serving"), (r.Snapshot(false).ActiveState, r.Snapshot(false).StatusText));
    }

    [Fact]
    public async Task Every_process_of_a_notify_unit_gets_NOTIFY_SOCKET_and_only_the_main_one_the_watchdog()
    {
        var r = _h.Runner("env", "Type=notify\nWatchdogSec=2.5\nExecStartPre=/bin/true\nExecStart=/bin/sleep infinity\n");
        _ = r.StartAsync();
        await RunnerHarness.Handled(r);
        var pre = _h.Kernel.SpawnedFor("env.service")[0];
        _h.Kernel.End(pre.Pid, ExitStatus.Exited(0));
        await RunnerHarness.Handled(r);
        var main = _h.Main(r);

        Assert.Contains($"NOTIFY_SOCKET={_h.Context.NotifySocketPath}", pre.Request.Environment);
        Assert.Contains($"NOTIFY_SOCKET={_h.Context.NotifySocketPath}", main.Request.Environment);
        Assert.DoesNotContain(pre.Request.Environment, e => e.StartsWith("WATCHDOG_"));
        Assert.Contains("WATCHDOG_USEC=2500000", main.Request.Environment);
        Assert.Equal("WATCHDOG_PID", main.Request.EnvPid); // the executor sets it to its own pid
        var plain = _h.Runner("plain", "ExecStart=/bin/sleep infinity\n");
        Assert.True((await plain.StartAsync()).Ok);
        Assert.DoesNotContain(_h.Main(plain).Request.Environment, e => e.StartsWith("NOTIFY_SOCKET="));
    }

    [Fact]
    public async Task With_NotifyAccess_main_another_process_is_refused_and_counted_and_changes_nothing()
    {
        var r = _h.Runner("access", "Type=notify\nExecStart=/bin/sleep infinity\n");
        var start = r.StartAsync();
        await RunnerHarness.Handled(r);
        int main = r.Snapshot(false).MainPid;

        await Say(r, main + 1, "READY=1\nSTATUS=I am not main");
        Assert.False(start.IsCompleted);
        var s = r.Snapshot(false);
        Assert.Null(s.StatusText);
        Assert.Equal(1, s.NotifyRefused);
        Assert.Equal($"READY=1 STATUS=I am not main from pid {main + 1}: NotifyAccess=main, and it is not the main process (pid {main})", s.NotifyLastRefused);

        await Say(r, main, "READY=1");
        Assert.True((await start.WaitAsync(TimeSpan.FromSeconds(10))).Ok);
    }

    [Fact]
    public async Task A_MAINPID_that_is_not_a_process_of_the_units_cgroup_is_refused_and_the_main_process_stays()
    {
        var r = _h.Runner("mainpid", "Type=notify\nExecStart=/bin/sleep infinity\n");
        var start = r.StartAsync();
        await RunnerHarness.Handled(r);
        int main = r.Snapshot(false).MainPid;

        await Say(r, main, $"MAINPID={Environment.ProcessId}\nREADY=1");

        Assert.True((await start.WaitAsync(TimeSpan.FromSeconds(10))).Ok); // the rest of the message applies
        var s = r.Snapshot(false);
        Assert.Equal(main, s.MainPid);
        Assert.Equal(1, s.NotifyRefused);
        Assert.Equal($"MAINPID={Environment.ProcessId} from pid {main}: it is not a process of the unit's cgroup", s.NotifyLastRefused);
        Assert.Equal(1, _h.Context.Notifications.RefusedCounts().Single(c => c.Reason == NotifyCounters.BadMainPid).Count);
    }

    [Fact]
    public async Task No_READY_within_TimeoutStartSec_on_the_clock_fails_the_start_with_timeout()
    {
        var r = _h.Runner("late", "Type=notify\nExecStart=/bin/sleep infinity\nTimeoutStartSec=20\n");
        var start = r.StartAsync();
        await RunnerHarness.Handled(r);
        await _h.Advance(r, TimeSpan.FromSeconds(15));
        await Say(r, r.Snapshot(false).MainPid, "EXTEND_TIMEOUT_USEC=10000000"); // now due at 25 s
        await _h.Advance(r, TimeSpan.FromSeconds(9));
        Assert.False(start.IsCompleted);

        await _h.Advance(r, TimeSpan.FromSeconds(1));
        var job = await start.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(job.Ok);
        Assert.Contains("timeout", job.Error);
    }

    [Fact]
    public async Task A_missed_ping_fires_the_watchdog_one_interval_after_the_last_ping_and_the_record_says_so()
    {
        var r = _h.Runner("dog", "Type=notify\nWatchdogSec=10\nExecStart=/bin/sleep infinity\n");
        var start = r.StartAsync();
        await RunnerHarness.Handled(r);
        int main = r.Snapshot(false).MainPid;
        await Say(r, main, "READY=1");
        await start;

        await _h.Advance(r, TimeSpan.FromSeconds(8));
        await Say(r, main, "WATCHDOG=1");
        await _h.Advance(r, TimeSpan.FromSeconds(9.9));
        Assert.Equal(ServiceState.Running, r.State);

        await _h.Advance(r, TimeSpan.FromSeconds(0.1));
        var process = _h.Kernel.SpawnedFor("dog.service").Single(p => p.Pid == main);
        Assert.Equal(SignalNames.SigAbrt, process.Signals[0]);
        Assert.Equal(ServiceState.Failed, r.State);
        Assert.Equal("watchdog", r.Snapshot(false).Result);

        _h.Tracker.Dispose(); // writes what the recorder holds
        var death = Assert.Single(_h.Store.Query("dog.service", null, null, null, 10));
        Assert.Equal(DeathCause.Corral, death.Cause);
        Assert.Equal(("watchdog", "WatchdogSec= (10s) passed without WATCHDOG=1: WatchdogSignal="), (death.CorralKill!.Verb, death.CorralKill.Reason));
    }

    [Fact]
    public async Task WATCHDOG_USEC_sets_a_new_interval_for_the_run()
    {
        var r = _h.Runner("dog2", "Type=notify\nWatchdogSec=10\nExecStart=/bin/sleep infinity\n");
        var start = r.StartAsync();
        await RunnerHarness.Handled(r);
        await Say(r, r.Snapshot(false).MainPid, "READY=1\nWATCHDOG_USEC=3000000");
        await start;
        await _h.Advance(r, TimeSpan.FromSeconds(3));
        Assert.Equal("watchdog", r.Snapshot(false).Result);
    }

    public void Dispose() => _h.Dispose();
}
