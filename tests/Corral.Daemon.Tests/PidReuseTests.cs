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
    private readonly TrackerHarness _h = new("reuse");
    private readonly int _service, _unrelated;
    private readonly ulong _unrelatedStart;

    public PidReuseTests()
    {
        _service = _h.StartInCgroup(Unit, "exec sleep 100");
        Tracker.Rescan([Unit]); // the service's process, known with its start
        _unrelated = _h.Start("exec sleep 100");
        Assert.True(ProcReader.TryReadStat(_unrelated, out var st));
        _unrelatedStart = st!.StartTimeTicks;
    }

    private ProcessTracker Tracker => _h.Tracker;
    private ICgroupManager Cgroups => _h.Cgroups;

    private string CgroupPath => "/" + Path.GetRelativePath(Cgroups.Layout.UnifiedMount, Cgroups.For(Unit).Path);

    private List<int> Escapees() => Tracker.EscapeesOf(Unit, CgroupPath, Cgroups.ReadPids(Cgroups.For(Unit)).ToHashSet()).Select(e => e.Pid).ToList();

    /// <summary>The service forked a child that got the unrelated process's pid, that long before the unrelated one started.</summary>
    private void ServiceForkedItsPid(TimeSpan before) =>
        Tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, _unrelated, _service, 0, StartTicks.ToEventNs(_unrelatedStart) - (ulong)before.Ticks * 100));

    [Fact]
    public void A_child_that_left_the_cgroup_is_an_escapee_when_it_is_the_very_process()
    {
        // The control: forked by the service at the unrelated process's own start, it is that process.
        ServiceForkedItsPid(TimeSpan.Zero);
        Assert.Equal([_unrelated], Escapees());
        using var handle = Tracker.OpenEscapee(Unit, _unrelated, CgroupPath);
        Assert.NotNull(handle);
    }

    [Fact]
    public void A_pid_reborn_as_an_unrelated_process_is_forgotten_at_its_fork()
    {
        ServiceForkedItsPid(TimeSpan.FromSeconds(40));
        // (its exit event lost) — then the pid's new process is forked by someone the tracker does not know.
        Tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, _unrelated, Environment.ProcessId + 1_000_000, 0, StartTicks.ToEventNs(_unrelatedStart)));
        Assert.DoesNotContain(_unrelated, Tracker.TrackedPidsOf(Unit));
        Assert.Empty(Escapees());
        // Its own children are not the service's either.
        Tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, _unrelated + 1, _unrelated, 0, StartTicks.ToEventNs(_unrelatedStart + 2)));
        Assert.DoesNotContain(_unrelated + 1, Tracker.TrackedPidsOf(Unit));
    }

    [Fact]
    public void A_pid_reborn_unseen_is_never_reported_nor_opened_for_a_signal_and_a_rescan_forgets_it()
    {
        ServiceForkedItsPid(TimeSpan.FromSeconds(40));
        // Its exit and the new process's fork are both lost: only its start tells them apart.
        Assert.Empty(Escapees());
        Assert.Null(Tracker.OpenEscapee(Unit, _unrelated, CgroupPath));
        Assert.DoesNotContain(_unrelated, Tracker.TrackedPidsOf(Unit));

        ServiceForkedItsPid(TimeSpan.FromSeconds(40));
        var rescan = Tracker.Rescan([Unit]);
        Assert.Equal(1, rescan.Gone);
        Tracker.PruneGone(Environment.TickCount64 + 5000);
        Assert.DoesNotContain(_unrelated, Tracker.TrackedPidsOf(Unit));
        Assert.Equal(1, Tracker.ExitsLost);
        Assert.Contains(_service, Tracker.TrackedPidsOf(Unit));
    }

    [Fact]
    public void A_fork_stashed_before_its_parent_was_known_is_not_given_to_a_later_holder_of_the_parents_pid()
    {
        // A child of the unrelated process, forked before the service's process with that pid existed…
        int child = _unrelated + 7;
        Tracker.OnProcEvent(new ProcEvent(ProcEventKind.Fork, child, _unrelated, 0, StartTicks.ToEventNs(_unrelatedStart) - 30UL * 1_000_000_000));
        // … is not claimed when a process with the parent's pid is registered later.
        ServiceForkedItsPid(TimeSpan.Zero);
        Assert.DoesNotContain(child, Tracker.TrackedPidsOf(Unit));
    }

    public void Dispose() => _h.Dispose();
}
