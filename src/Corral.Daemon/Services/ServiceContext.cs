using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;

namespace Corral.Daemon.Services;

/// <summary>The daemon-wide machinery every runner uses.</summary>
internal sealed record ServiceContext(
    ICgroupManager Cgroups,
    Spawner Spawner,
    ChildReaper Reaper,
    CgroupEventsWatcher Watcher,
    OutputCollector Output,
    Deaths.ProcessTracker Tracker,
    Deaths.EventStore Store,
    string LogDir,
    RunStore Runs)
{
    /// <summary>Runners tell it of each state event they handled (the web feed listens).</summary>
    public UnitChanges Changes { get; } = new();
}
