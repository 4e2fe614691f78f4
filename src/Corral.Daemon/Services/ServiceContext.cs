using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;
using Corral.Linux.Users;

namespace Corral.Daemon.Services;

/// <summary>The daemon-wide machinery every runner uses.</summary>
public sealed record ServiceContext(
    ICgroupManager Cgroups,
    Spawner Spawner,
    ChildReaper Reaper,
    CgroupEventsWatcher Watcher,
    OutputCollector Output,
    string LogDir)
{
    /// <summary>Read at each start so that accounts added since the daemon started are found.</summary>
    public static UserDatabase LoadUsers() => UserDatabase.Load();
}
