using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Daemon.Deaths;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Tests;

/// <summary>
/// The death recorder alone: deaths and their evidence posted as the lineage, the tracer and the
/// runners post them, in the orders they arrive in, and the records read back from a real store.
/// </summary>
public sealed class DeathRecorderTests : IDisposable
{
    private const string Unit = "web.service";
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-recorder-").FullName;
    private readonly EventStore _store;
    private readonly DeathRecorder _recorder;
    private readonly ICgroupManager _cgroups;

    public DeathRecorderTests()
    {
        _store = new EventStore(Path.Combine(_dir, "corral.db"));
        var layout = CgroupLayout.Detect();
        // A cgroup root that is never made: the memory figures of a SIGKILL death read as unknown.
        var cgroups = _cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-test-none-{Environment.ProcessId}-{Random.Shared.Next(100000)}"), layout);
        _recorder = new DeathRecorder(_store, new IdentityMap(), noTracingReason: null, cgroups, oom: null, unitOf: pid => pid == 4999 ? "other.service" : null);
    }

    private static TrackedProcess Process(string comm = "web") => new(Unit, ProcessRoles.Process, comm, $"{comm} --serve", DateTimeOffset.Now.AddSeconds(-10), 0);

    private static Evidence SentBy(int pid, string comm, int signal = 15) => new(signal, pid, comm, false, Environment.TickCount64);

    /// <summary>The recorder writes what is pending when disposed; then the records are read back.</summary>
    private List<DeathRecord> Records()
    {
        _recorder.Dispose();
        return _store.Query(Unit, null, null, null, 10_000).OrderBy(r => r.Id).ToList();
    }

    [Fact]
    public void A_trace_line_read_after_the_death_still_names_the_sender_and_its_unit()
    {
        _recorder.Died(4400, Process(), ExitStatus.Killed(15));
        Thread.Sleep(50);
        _recorder.Signalled(4400, SentBy(4999, "kill"));

        var r = Assert.Single(Records());
        Assert.Equal(DeathCause.Signal, r.Cause);
        Assert.Equal((4999, "kill", "other.service"), (r.Sender!.Pid, r.Sender.Comm, r.Sender.Unit));
    }

    [Fact]
    public void The_sender_is_named_by_its_exec_line_not_by_the_stale_name_the_trace_printed()
    {
        // What CI saw: `sh -c "kill -9 …"` printed by the kernel under the name an earlier process on
        // the same pid had (its name cache is refreshed only when the task is next switched out).
        _recorder.Execd(4998, "/usr/bin/dash");
        _recorder.Signalled(4404, SentBy(4998, "corral-workload", 9));
        _recorder.Execd(4998, "/usr/bin/later"); // an exec after the line is not what sent it
        _recorder.Died(4404, Process(), ExitStatus.Killed(9));

        var r = Assert.Single(Records());
        Assert.Equal((4998, "dash"), (r.Sender!.Pid, r.Sender.Comm));
    }

    [Fact]
    public void A_kill_noted_before_its_signal_makes_the_death_corrals_with_the_reason()
    {
        _recorder.CorralKilled(Unit, new CorralKill(15, "stop", 0, "KillSignal= to stop (KillMode=control-group)", DateTimeOffset.Now));
        _recorder.Signalled(4401, SentBy(Environment.ProcessId, "corral"));
        _recorder.Died(4401, Process(), ExitStatus.Killed(15));

        var r = Assert.Single(Records());
        Assert.Equal(DeathCause.Corral, r.Cause);
        Assert.Equal(("stop", "KillSignal= to stop (KillMode=control-group)"), (r.CorralKill!.Verb, r.CorralKill.Reason));
    }

    [Fact]
    public void Without_a_trace_line_the_death_is_written_after_the_wait_saying_what_was_missing()
    {
        long before = Environment.TickCount64;
        _recorder.Died(4402, Process(), ExitStatus.Killed(15));
        for (int i = 0; i < 200 && _store.Query(Unit, null, null, null, 10).Count == 0; i++) Thread.Sleep(10);
        long waited = Environment.TickCount64 - before;

        var r = Assert.Single(Records());
        Assert.Equal(DeathCause.Unknown, r.Cause);
        Assert.Contains("tracing saw no SIGTERM", r.Reason);
        Assert.True(waited >= 200, $"written after {waited} ms, before the trace line had its 250 ms");
    }

    [Fact]
    public void A_thousand_deaths_at_once_are_all_written_with_one_waiting_among_them()
    {
        // A recorder whose waiting death waits a minute: however slow this machine is at writing a
        // thousand records, the one waiting cannot have been written for its deadline meanwhile.
        _recorder.Dispose();
        var patient = new DeathRecorder(_store, new IdentityMap(), noTracingReason: null, _cgroups, oom: null, unitOf: _ => null) { TraceWait = TimeSpan.FromMinutes(1) };
        patient.Died(4403, Process("slow"), ExitStatus.Killed(15)); // waits for its trace line
        for (int i = 0; i < 1000; i++) patient.Died(10_000 + i, Process(), ExitStatus.Exited(i % 3));
        // The clean exits do not wait behind the one waiting for its evidence.
        for (int i = 0; i < 3000 && _store.Query(Unit, null, null, null, 10_000).Count < 1000; i++) Thread.Sleep(10);
        Assert.Equal(1000, _store.Query(Unit, null, null, null, 10_000).Count);
        Assert.DoesNotContain(_store.Query(Unit, null, null, null, 10_000), r => r.Comm == "slow");

        patient.Dispose(); // writes the one still waiting
        var records = Records();
        Assert.Equal(1001, records.Count);
        Assert.Equal(1000, records.Count(r => r.Cause == DeathCause.Exit));
        Assert.Equal("slow", records[^1].Comm);
        Assert.Equal(1001, _store.DeathCounts().Where(c => c.Unit == Unit).Sum(c => c.Count));
    }

    public void Dispose()
    {
        _recorder.Dispose();
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
