using Corral.Linux.Procfs;

namespace Corral.Daemon.Deaths;

internal enum ZombieState { Zombie, Exiting, Gone }

/// <summary>What /proc says of a zombie candidate now.</summary>
internal static class Zombies
{
    /// <summary>
    /// A zombie: still there, state Z, child of the same parent. The kernel sends the exit event before
    /// the task becomes a zombie, so one read just after may still see it running its exit: that one
    /// is kept for a while, not forgotten (forgetting it lost a zombie from the count). Anything else
    /// — gone, another parent, or alive long after its exit (a reused pid) — was reaped.
    /// </summary>
    public static ZombieState Check(ZombieCandidate z)
    {
        if (!ProcReader.TryReadStat(z.Pid, out var st) || st!.Ppid != z.Parent) return ZombieState.Gone;
        if (!StartTicks.IsOf(st, z.StartTicks)) return ZombieState.Gone; // the pid was reused
        if (st.State == 'Z') return ZombieState.Zombie;
        return DateTimeOffset.Now - z.ExitedAt < TimeSpan.FromSeconds(2) ? ZombieState.Exiting : ZombieState.Gone;
    }
}
