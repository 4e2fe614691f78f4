using System.Diagnostics;
using Corral.Daemon.Deaths;
using Corral.Linux.Cgroups;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Tests;

/// <summary>
/// A pid that dies unseen (its exit event lost) and comes back as an unrelated process is never taken
/// for the service's (issue #11, item 7): the lineage code is fed a recorded sequence of process
/// events about real processes — a service process in its cgroup, and an unrelated one outside it
/// whose pid the sequence says a child of the service once had.
/// </summary>
public sealed class PidReuseTests : IDisposable
{
    private const string Unit = "reuse.service";
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-reuse-").FullName;
    private readonly ICgroupManager _cgroups;
    private readonly EventStore _store;
    private readonly ProcessTracker _tracker;
    private readonly List<Process> _started = [];
    private readonly int _service, _unrelated;
    private readonly ulong _unrelatedStart;

    public PidReuseTests()
    {
        var layout = CgroupLayout.Detect();
        _cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-test-reuse-{Environment.ProcessId}-{Random.Shared.Next(100000)}"), layout);
        _cgroups.EnsureRoot();
        _store = new EventStore(Path.Combine(_dir, "corral.db"));
        _tracker = new ProcessTracker(_store, new IdentityMap(), "not traced in this test", _cgroups, oom: null);
        var cg = _cgroups.Create(Unit, null, null);
        _service = Start();
        foreach (var dir in cg.AllPaths()) CgroupFile.Write(Path.Combine(dir, "cgroup.procs"), _service.ToString());
        _tracker.Rescan([Unit]); // the service's process, known with its start
        _unrelated = Start();
        Assert.True(ProcReader.TryReadStat(_unrelated, out var st));
        _unrelatedStart = st!.StartTimeTicks;
    }

    private int Start()
    {
        var p = Process.Start("/bin/sleep", ["100"]);
        _started.Add(p);
        return p.Id;
    }

    private string CgroupPath => "/" + Path.GetRelativePath(_cgroups.Layout.UnifiedMount, _cgroups.For(Unit).Path);

    private List<int> Escapees() => _tracker.EscapeesOf(Unit, CgroupPath, _cgroups.ReadPids(_cgroups.For(Unit)).ToHashSet()).Select(e => e.Pid).ToList();

    /// <summary>The service forked a child that got the unrelated process's pid, that long before the unrelated one started.</summary>
    private void ServiceForkedItsPid(TimeSpan before) =>
        _tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, _unrelated, _service, 0, StartTicks.ToEventNs(_unrelatedStart) - (ulong)before.Ticks * 100));

    [Fact]
    public void A_child_that_left_the_cgroup_is_an_escapee_when_it_is_the_very_process()
    {
        // The control: forked by the service at the unrelated process's own start, it is that process.
        ServiceForkedItsPid(TimeSpan.Zero);
        Assert.Equal([_unrelated], Escapees());
        using var handle = _tracker.OpenEscapee(Unit, _unrelated, CgroupPath);
        Assert.NotNull(handle);
    }

    [Fact]
    public void A_pid_reborn_as_an_unrelated_process_is_forgotten_at_its_fork()
    {
        ServiceForkedItsPid(TimeSpan.FromSeconds(40));
        // (its exit event lost) — then the pid's new process is forked by someone the tracker does not know.
        _tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, _unrelated, Environment.ProcessId + 1_000_000, 0, StartTicks.ToEventNs(_unrelatedStart)));
        Assert.DoesNotContain(_unrelated, _tracker.TrackedPidsOf(Unit));
        Assert.Empty(Escapees());
        // Its own children are not the service's either.
        _tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, _unrelated + 1, _unrelated, 0, StartTicks.ToEventNs(_unrelatedStart + 2)));
        Assert.DoesNotContain(_unrelated + 1, _tracker.TrackedPidsOf(Unit));
    }

    [Fact]
    public void A_pid_reborn_unseen_is_never_reported_nor_opened_for_a_signal_and_a_rescan_forgets_it()
    {
        ServiceForkedItsPid(TimeSpan.FromSeconds(40));
        // Its exit and the new process's fork are both lost: only its start tells them apart.
        Assert.Empty(Escapees());
        Assert.Null(_tracker.OpenEscapee(Unit, _unrelated, CgroupPath));
        Assert.DoesNotContain(_unrelated, _tracker.TrackedPidsOf(Unit));

        ServiceForkedItsPid(TimeSpan.FromSeconds(40));
        var rescan = _tracker.Rescan([Unit]);
        Assert.Equal(1, rescan.Gone);
        _tracker.PruneGone(Environment.TickCount64 + 5000);
        Assert.DoesNotContain(_unrelated, _tracker.TrackedPidsOf(Unit));
        Assert.Equal(1, _tracker.ExitsLost);
        Assert.Contains(_service, _tracker.TrackedPidsOf(Unit));
    }

    [Fact]
    public void A_fork_stashed_before_its_parent_was_known_is_not_given_to_a_later_holder_of_the_parents_pid()
    {
        // A child of the unrelated process, forked before the service's process with that pid existed…
        int child = _unrelated + 7;
        _tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, child, _unrelated, 0, StartTicks.ToEventNs(_unrelatedStart) - 30UL * 1_000_000_000));
        // … is not claimed when a process with the parent's pid is registered later.
        ServiceForkedItsPid(TimeSpan.Zero);
        Assert.DoesNotContain(child, _tracker.TrackedPidsOf(Unit));
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { if (!p.HasExited) { p.Kill(); p.WaitForExit(); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        _tracker.Dispose();
        _store.Dispose();
        _cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(5));
        Directory.Delete(_dir, recursive: true);
    }
}
