using System.Diagnostics;
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
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-rescan-").FullName;
    private readonly ICgroupManager _cgroups;
    private readonly EventStore _store;
    private readonly ProcessTracker _tracker;
    private readonly List<Process> _started = [];

    public RescanTests()
    {
        var layout = CgroupLayout.Detect();
        _cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-test-rescan-{Environment.ProcessId}-{Random.Shared.Next(100000)}"), layout);
        _cgroups.EnsureRoot();
        _store = new EventStore(Path.Combine(_dir, "corral.db"));
        _tracker = new ProcessTracker(_store, new IdentityMap(), "not traced in this test", _cgroups, oom: null);
    }

    /// <summary>Starts a process and moves it into the unit's cgroup, telling the tracker nothing.</summary>
    private int StartInCgroup(string script)
    {
        var cg = _cgroups.For(Unit);
        if (!Directory.Exists(cg.Path)) cg = _cgroups.Create(Unit, null, null);
        var p = Process.Start("/bin/sh", ["-c", script]);
        _started.Add(p);
        foreach (var dir in cg.AllPaths()) CgroupFile.Write(Path.Combine(dir, "cgroup.procs"), p.Id.ToString());
        return p.Id;
    }

    [Fact]
    public void A_rescan_adopts_untracked_processes_forgets_vanished_ones_and_finds_zombies()
    {
        // The second one's child exits at once and is never reaped: "exec sleep" does not wait.
        int sleeper = StartInCgroup("exec sleep 100");
        int factory = StartInCgroup("/bin/true & exec sleep 100");
        Thread.Sleep(300);
        Assert.Empty(_tracker.TrackedPidsOf(Unit));

        var first = _tracker.Rescan([Unit]);

        Assert.Equal(2, first.Adopted);
        Assert.Equal(1, first.ZombiesFound);
        Assert.Equal(new[] { factory, sleeper }.Order(), _tracker.TrackedPidsOf(Unit).Order());
        var zombie = Assert.Single(_tracker.ZombiesOf(Unit));
        Assert.Equal(factory, zombie.Parent);

        // The sleeper dies; its exit event is "lost" (never fed). The next rescan finds it gone.
        var victim = _started[0];
        victim.Kill();
        victim.WaitForExit();
        var second = _tracker.Rescan([Unit]);
        Assert.Equal((0, 1, 0), (second.Adopted, second.Gone, second.ZombiesFound));
        Assert.Contains(sleeper, _tracker.TrackedPidsOf(Unit)); // its exit event may still be on its way
        _tracker.PruneGone(Environment.TickCount64 + 5000);
        Assert.Equal([factory], _tracker.TrackedPidsOf(Unit));
        Assert.Equal(1, _tracker.ExitsLost);
    }

    [Fact]
    public void A_zombie_no_exit_event_told_of_is_found_among_the_children_when_the_task_count_says_so()
    {
        // It forks only once it is in the cgroup, so that its zombie is charged there.
        int factory = StartInCgroup("sleep 0.2; /bin/true & exec sleep 100");
        Thread.Sleep(600);
        var cg = _cgroups.For(Unit);
        Assert.Empty(_tracker.ZombiesOf(Unit));
        // The pids controller still counts the zombie; the cgroup's live threads do not.
        Assert.True(_cgroups.TasksCurrent(cg) > (ulong)_cgroups.ThreadCount(cg));

        Assert.Equal(1, _tracker.FindUnseenZombies(Unit, _cgroups.ReadPids(cg)));

        Assert.Equal(factory, Assert.Single(_tracker.ZombiesOf(Unit)).Parent);
        Assert.Equal(0, _tracker.FindUnseenZombies(Unit, _cgroups.ReadPids(cg))); // known now
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
