using Corral.Core.Deaths;
using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Core.Units;
using Corral.Daemon.Deaths;
using Corral.Daemon.Services;
using Corral.Linux;
using Microsoft.Extensions.Time.Testing;

namespace Corral.Daemon.Tests;

/// <summary>
/// A runner's mailbox driven through its own API against a fake kernel and a fake clock (issue #13,
/// item 6): no root, no process, no waiting for a real timeout. Time moves only when a test moves
/// it, so "nothing happens before TimeoutStopSec=" is proven by moving the clock to just before it.
/// The tracker, the event store, the output pipes and the logs are the daemon's own, in a temporary
/// directory.
/// </summary>
public sealed class RunnerMailboxTests : IDisposable
{
    private readonly RunnerHarness _h = new();
    private FakeKernel _kernel => _h.Kernel;
    private FakeTimeProvider _clock => _h.Clock;
    private EventStore _store => _h.Store;
    private ProcessTracker _tracker => _h.Tracker;

    private ServiceRunner Runner(string name, string service) => _h.Runner(name, service);
    private static Task Handled(ServiceRunner r) => RunnerHarness.Handled(r);
    private FakeKernel.FakeProcess Main(ServiceRunner r) => _h.Main(r);
    private Task Advance(ServiceRunner r, TimeSpan by) => _h.Advance(r, by);

    [Fact]
    public async Task A_start_spawns_the_main_process_into_the_units_cgroup_and_the_job_ends_once_it_runs()
    {
        var r = Runner("web", "ExecStart=/bin/sleep infinity\n");

        var job = await r.StartAsync();

        Assert.True(job.Ok, job.Error);
        Assert.Equal(ServiceState.Running, r.State);
        var main = Assert.Single(_kernel.SpawnedFor("web.service"));
        Assert.Equal(main.Pid, r.Snapshot(false).MainPid);
        Assert.Equal(("/bin/sleep", "infinity"), (main.Request.Executable, main.Request.Argv[^1]));
        Assert.Equal(Path.Combine(_kernel.Root, "web.service"), main.Request.CgroupDirs[^1]);
        Assert.Equal(_clock.GetLocalNow(), r.Snapshot(false).StateSince);
    }

    [Fact]
    public async Task A_service_that_ignores_SIGTERM_is_sent_SIGKILL_only_once_the_clock_passes_TimeoutStopSec()
    {
        _kernel.Ignored["/bin/sleep"] = [SignalNames.SigTerm];
        var r = Runner("slow", "ExecStart=/bin/sleep infinity\nTimeoutStopSec=30\n");
        Assert.True((await r.StartAsync()).Ok);
        var main = Main(r);

        var stop = r.StopAsync(timeout: null, noBlock: false);
        await Handled(r);
        Assert.Equal(ServiceState.StopSigterm, r.State);
        Assert.Equal([SignalNames.SigTerm, SignalNames.SigCont], main.Signals); // SIGCONT after it, as systemd: a stopped process must wake to die

        await Advance(r, TimeSpan.FromSeconds(29.9));
        Assert.False(stop.IsCompleted);
        Assert.Equal([SignalNames.SigTerm, SignalNames.SigCont], main.Signals);
        Assert.True(_kernel.IsRunning(main.Pid));

        await Advance(r, TimeSpan.FromSeconds(0.1));
        Assert.True((await stop.WaitAsync(TimeSpan.FromSeconds(10))).Ok);
        Assert.Equal([SignalNames.SigTerm, SignalNames.SigCont, SignalNames.SigKill], main.Signals);
        Assert.Equal(ServiceState.Failed, r.State);
        Assert.Equal("timeout", r.Snapshot(false).Result);

        // The death is Corral's, with the reason the state machine gave, as `corral why` will say.
        _tracker.Dispose(); // writes what the recorder holds
        var death = Assert.Single(_store.Query("slow.service", null, null, null, 10));
        Assert.Equal((main.Pid, DeathCause.Corral), (death.Pid, death.Cause));
        Assert.Equal("TimeoutStopSec= (30s) passed: FinalKillSignal=", death.CorralKill!.Reason);
    }

    [Fact]
    public async Task A_failed_main_process_is_started_again_only_when_RestartSec_has_passed()
    {
        var r = Runner("crash", "ExecStart=/bin/sleep infinity\nRestart=on-failure\nRestartSec=20\n");
        Assert.True((await r.StartAsync()).Ok);
        int first = r.Snapshot(false).MainPid;

        _kernel.End(first, ExitStatus.Exited(3));
        await Handled(r);
        Assert.Equal(ServiceState.AutoRestart, r.State);

        await Advance(r, TimeSpan.FromSeconds(19));
        Assert.Single(_kernel.SpawnedFor("crash.service"));
        Assert.Equal(ServiceState.AutoRestart, r.State);

        await Advance(r, TimeSpan.FromSeconds(1));
        Assert.Equal(ServiceState.Running, r.State);
        Assert.Equal(2, _kernel.SpawnedFor("crash.service").Count);
        Assert.NotEqual(first, r.Snapshot(false).MainPid);
        Assert.Equal(1, r.Snapshot(false).NRestarts);
    }

    [Fact]
    public async Task The_start_limit_counts_starts_in_the_interval_on_the_clock_and_frees_a_slot_when_it_has_passed()
    {
        var r = Runner("burst", "ExecStart=/bin/sleep infinity\n");
        var unit = ServiceUnitLoader.Load("/u/burst.service", "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=2\n[Service]\nExecStart=/bin/sleep infinity\n").Unit!;
        await r.UpdateUnitAsync(unit);
        for (int i = 0; i < 2; i++)
        {
            Assert.True((await r.StartAsync()).Ok);
            _kernel.End(r.Snapshot(false).MainPid, ExitStatus.Exited(0));
            await Handled(r);
            await Advance(r, TimeSpan.FromSeconds(10));
        }

        var refused = await r.StartAsync();
        Assert.False(refused.Ok);
        Assert.Contains("start-limit-hit", refused.Error);
        Assert.Equal(2, _kernel.SpawnedFor("burst.service").Count);

        await Advance(r, TimeSpan.FromSeconds(40)); // 60 s after the first start: its slot is free
        await r.ResetFailedAsync();
        Assert.True((await r.StartAsync()).Ok);
        Assert.Equal(3, _kernel.SpawnedFor("burst.service").Count);
    }

    [Fact]
    public async Task While_the_loop_is_inside_a_spawn_readers_do_not_wait_and_a_stop_posted_meanwhile_follows_the_start()
    {
        var r = Runner("busy", "ExecStart=/bin/sleep infinity\n");
        using var gate = new ManualResetEventSlim(false);
        _kernel.SpawnGate = gate;

        var start = Task.Run(() => r.StartAsync());
        // The loop is blocked in the spawn; the state it entered before spawning is published, and
        // readers take it without waiting for the loop.
        Assert.True(SpinWait.SpinUntil(() => r.State == ServiceState.Start, TimeSpan.FromSeconds(10)), $"the start was not seen under way: {r.State}");
        Assert.Equal(("activating", "start"), (r.Snapshot(false).ActiveState, r.Snapshot(false).SubState));
        var stop = r.StopAsync(timeout: null, noBlock: false);
        Assert.False(stop.IsCompleted);

        gate.Set();
        Assert.True((await start.WaitAsync(TimeSpan.FromSeconds(10))).Ok);
        Assert.True((await stop.WaitAsync(TimeSpan.FromSeconds(10))).Ok);
        var main = Assert.Single(_kernel.SpawnedFor("busy.service"));
        Assert.Equal(SignalNames.SigTerm, main.Signals[0]);
        Assert.Equal(ServiceState.Dead, r.State);
    }

    [Fact]
    public async Task A_spawn_that_fails_at_execve_fails_the_start_with_the_path_and_leaves_nothing_running()
    {
        _kernel.FailingSpawns["/bin/sleep"] = "execve";
        var r = Runner("bad", "ExecStart=/bin/sleep infinity\n");

        var job = await r.StartAsync();

        Assert.False(job.Ok);
        Assert.Contains("exit-code", job.Error);
        Assert.Contains("/bin/sleep", job.Error);
        Assert.Equal(ServiceState.Failed, r.State);
        Assert.Empty(_kernel.SpawnedFor("bad.service"));
    }

    [Fact]
    public async Task A_stop_timeout_of_a_run_that_ended_in_time_never_fires_into_the_next_run()
    {
        _kernel.Ignored["/bin/sleep"] = [SignalNames.SigTerm];
        var r = Runner("again", "ExecStart=/bin/sleep infinity\nTimeoutStopSec=5\n");
        Assert.True((await r.StartAsync()).Ok);
        var stop = r.StopAsync(timeout: null, noBlock: false);
        await Handled(r);
        _kernel.End(r.Snapshot(false).MainPid, ExitStatus.Exited(0)); // it finished its clean-up in time
        Assert.True((await stop.WaitAsync(TimeSpan.FromSeconds(10))).Ok);

        Assert.True((await r.StartAsync()).Ok);
        var second = Main(r);
        await Advance(r, TimeSpan.FromSeconds(60));

        Assert.Empty(second.Signals);
        Assert.Equal(ServiceState.Running, r.State);
    }

    public void Dispose() => _h.Dispose();
}
