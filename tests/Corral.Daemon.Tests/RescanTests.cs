using Corral.Daemon.Deaths;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Tests;

/// <summary>
/// After the kernel dropped process events, a rescan of /proc and the services' cgroups adopts the
/// processes whose fork was lost, forgets those whose exit was lost, and finds unknown zombies.
/// Real processes in a real cgroup; the tracker is never told of their forks, as if those were lost.
/// </summary>
public sealed class RescanTests : IDisposable
{
    private const string Unit = "lost.service";
    private readonly TrackerHarness _h = new("rescan");

    private ProcessTracker Tracker => _h.Tracker;
    private ICgroupManager Cgroups => _h.Cgroups;

    /// <summary>Starts a process and moves it into the unit's cgroup, telling the tracker nothing.</summary>
    private int StartInCgroup(string script) => _h.StartInCgroup(Unit, script);

    [Fact]
    public void A_rescan_adopts_untracked_processes_forgets_vanished_ones_and_finds_zombies()
    {
        // The second one's child exits at once and is never reaped: "exec sleep" does not wait.
        int sleeper = StartInCgroup("exec sleep 100");
        int factory = StartInCgroup("/bin/true & exec sleep 100");
        Thread.Sleep(300);
        Assert.Empty(Tracker.TrackedPidsOf(Unit));

        var first = Tracker.Rescan([Unit]);

        Assert.Equal(2, first.Adopted);
        Assert.Equal(1, first.ZombiesFound);
        Assert.Equal(new[] { factory, sleeper }.Order(), Tracker.TrackedPidsOf(Unit).Order());
        var zombie = Assert.Single(Tracker.ZombiesOf(Unit));
        Assert.Equal(factory, zombie.Parent);

        // The sleeper dies; its exit event is "lost" (never fed). The next rescan finds it gone.
        var victim = _h.Started[0];
        victim.Kill();
        victim.WaitForExit();
        var second = Tracker.Rescan([Unit]);
        Assert.Equal((0, 1, 0), (second.Adopted, second.Gone, second.ZombiesFound));
        Assert.Contains(sleeper, Tracker.TrackedPidsOf(Unit)); // its exit event may still be on its way
        Tracker.PruneGone(Environment.TickCount64 + 5000);
        Assert.Equal([factory], Tracker.TrackedPidsOf(Unit));
        Assert.Equal(1, Tracker.ExitsLost);
    }

    [Fact]
    public void A_zombie_no_exit_event_told_of_is_found_among_the_children_when_the_task_count_says_so()
    {
        // It forks only once it is in the cgroup, so that its zombie is charged there.
        int factory = StartInCgroup("sleep 0.2; /bin/true & exec sleep 100");
        Thread.Sleep(600);
        var cg = Cgroups.For(Unit);
        Assert.Empty(Tracker.ZombiesOf(Unit));
        // The pids controller still counts the zombie; the cgroup's live threads do not.
        Assert.True(Cgroups.TasksCurrent(cg) > (ulong)Cgroups.ThreadCount(cg));

        Assert.Equal(1, Tracker.FindUnseenZombies(Unit, Cgroups.ReadPids(cg)));

        Assert.Equal(factory, Assert.Single(Tracker.ZombiesOf(Unit)).Parent);
        Assert.Equal(0, Tracker.FindUnseenZombies(Unit, Cgroups.ReadPids(cg))); // known now
    }

    public void Dispose() => _h.Dispose();
}
