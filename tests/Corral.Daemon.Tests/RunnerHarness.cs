using Corral.Core.Units;
using Corral.Daemon.Deaths;
using Corral.Daemon.Services;
using Corral.Linux;
using Microsoft.Extensions.Time.Testing;

namespace Corral.Daemon.Tests;

/// <summary>
/// Runners on a fake kernel and a fake clock, with the daemon's own tracker, event store, logs and
/// output pipes in a temporary directory. Time moves only when a test moves it. Dispose ends it all.
/// </summary>
internal sealed class RunnerHarness : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-runner-").FullName;
    private readonly OutputCollector _output = new();
    private readonly List<ServiceRunner> _runners = [];

    public RunnerHarness()
    {
        Kernel = new FakeKernel(Path.Combine(_dir, "cgroup", "corral"));
        Store = new EventStore(Path.Combine(_dir, "corral.db"));
        Tracker = new ProcessTracker(new InlineLoop(), Store, new IdentityMap(), "not traced in this test", Kernel, oom: null);
        string logs = Directory.CreateDirectory(Path.Combine(_dir, "logs")).FullName;
        string runs = Directory.CreateDirectory(Path.Combine(_dir, "runs")).FullName;
        Context = new ServiceContext(Kernel, Kernel, Kernel, _output, Tracker, Store, logs, new RunStore(runs))
        {
            Clock = Clock,
            NotifySocketPath = Path.Combine(_dir, "notify"),
        };
    }

    public FakeKernel Kernel { get; }
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 2, 4, 0, 0, TimeSpan.Zero));
    public EventStore Store { get; }
    public ProcessTracker Tracker { get; }
    public ServiceContext Context { get; }

    public ServiceRunner Runner(string name, string service)
    {
        var r = ServiceUnitLoader.Load($"/u/{name}.service", "[Service]\n" + service);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        var runner = new ServiceRunner(r.Unit!, Context);
        _runners.Add(runner);
        return runner;
    }

    /// <summary>An item through the loop: everything posted to it before (a timer's firing, an exit, a notification) has been handled once this completes.</summary>
    public static Task Handled(ServiceRunner r) => r.UpdateUnitAsync(r.Unit);

    public FakeKernel.FakeProcess Main(ServiceRunner r) => Kernel.SpawnedFor(r.Unit.Name).Single(p => p.Pid == r.Snapshot(false).MainPid);

    /// <summary>
    /// Moves the clock and lets the loop handle what the timers that came due posted, and what those
    /// items posted in turn (a signal the fake kernel's process dies of posts its exit from inside them).
    /// </summary>
    public async Task Advance(ServiceRunner r, TimeSpan by)
    {
        Clock.Advance(by);
        await Handled(r);
        await Handled(r);
    }

    public void Dispose()
    {
        foreach (var r in _runners) r.Dispose();
        _output.Dispose();
        Tracker.Dispose();
        Store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
