using Corral.Core.Units;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>A service as the health monitor sees it on one tick: its zombies and its escaped processes.</summary>
/// <param name="CgroupPath">the service's cgroup as /proc/PID/cgroup names it</param>
internal sealed record UnitHealth(ServiceUnit Unit, bool Inactive, List<ZombieGroup> Zombies, List<Escapee> Escapees, string CgroupPath)
{
    public int ZombieCount => Zombies.Sum(z => z.Count);
}
