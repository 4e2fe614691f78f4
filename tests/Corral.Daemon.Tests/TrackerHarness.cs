using System.Diagnostics;
using Corral.Daemon.Deaths;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Tests;

/// <summary>
/// A process tracker of a test's own: a cgroup root and an event store that are the test's, and
/// real processes it starts and moves into a unit's cgroup behind the tracker's back (as if their
/// fork events were lost). Dispose kills what it started and removes everything.
/// </summary>
internal sealed class TrackerHarness : IDisposable
{
    private readonly string _dir;
    private readonly List<Process> _started = [];

    public TrackerHarness(string name)
    {
        _dir = Directory.CreateTempSubdirectory($"corral-{name}-").FullName;
        var layout = CgroupLayout.Detect();
        Cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-test-{name}-{Environment.ProcessId}-{Random.Shared.Next(100000)}"), layout);
        Cgroups.EnsureRoot();
        Store = new EventStore(Path.Combine(_dir, "corral.db"));
        Tracker = new ProcessTracker(new InlineLoop(), Store, new IdentityMap(), "not traced in this test", Cgroups, oom: null);
    }

    public ICgroupManager Cgroups { get; }
    public EventStore Store { get; }
    public ProcessTracker Tracker { get; }
    public IReadOnlyList<Process> Started => _started;

    /// <summary>Starts /bin/sh -c SCRIPT, outside any unit.</summary>
    public int Start(string script)
    {
        var p = Process.Start("/bin/sh", ["-c", script]);
        _started.Add(p);
        return p.Id;
    }

    /// <summary>Starts a process and moves it into the unit's cgroup (made if need be), telling the tracker nothing.</summary>
    public int StartInCgroup(string unit, string script)
    {
        var cg = Cgroups.For(unit);
        if (!Directory.Exists(cg.Path)) cg = Cgroups.Create(unit, null, null);
        int pid = Start(script);
        foreach (var dir in cg.AllPaths()) CgroupFile.Write(Path.Combine(dir, "cgroup.procs"), pid.ToString());
        return pid;
    }

    public void Dispose()
    {
        foreach (var p in _started)
        {
            try { if (!p.HasExited) { p.Kill(); p.WaitForExit(); } } catch (InvalidOperationException) { }
            p.Dispose();
        }
        Tracker.Dispose();
        Store.Dispose();
        Cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(5));
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// The lineage's loop in unit tests: work runs at once on the posting thread, one at a time (the
/// test thread, or a pool thread that read /proc after an exec), so what a test feeds is there when
/// its next line asks.
/// </summary>
public sealed class InlineLoop : Linux.IEventLoop
{
    private readonly object _gate = new();

    public bool IsCurrent => Monitor.IsEntered(_gate);

    public void Post(Action work)
    {
        lock (_gate) work();
    }
}
