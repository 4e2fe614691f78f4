namespace Corral.Linux.Procfs;

/// <summary>
/// A process's start time in clock ticks since boot (field 22 of /proc/PID/stat): with its pid, what
/// names one process for good — a pid reused by a later process has a later start. The process
/// connector's fork event carries a CLOCK_MONOTONIC time; the kernel sets the child's start (on
/// CLOCK_BOOTTIME) in the same fork, microseconds apart, so converted it names the child too, to
/// to within a tick or a few (see Same), with no read of /proc on the connector's thread.
/// </summary>
public static class StartTicks
{
    private const ulong NsPerTick = 1_000_000_000UL / ProcReader.ClockTicks;
    private static long _offsetNs, _offsetAt = long.MinValue;

    /// <summary>The start of the process a fork event created, from the event's time.</summary>
    public static ulong FromEvent(ulong monotonicNs) => (monotonicNs + (ulong)BootOffsetNs()) / NsPerTick;

    /// <summary>The other way: the fork event time (CLOCK_MONOTONIC ns) of a process of that start, the middle of its tick; what a recorded event sequence replays.</summary>
    public static ulong ToEventNs(ulong ticks) => ticks * NsPerTick + NsPerTick / 2 - (ulong)BootOffsetNs();

    /// <summary>
    /// How late a fork event's time may be after the child's start: the parent can be preempted
    /// between the two in the kernel, by milliseconds under load. A pid is not passed on that fast:
    /// another process with it needs the pids to wrap (32 768 forks here, at least).
    /// </summary>
    public const ulong MaxEventLagTicks = 100;

    /// <summary>
    /// Whether the process /proc shows now (<paramref name="statTicks"/>) is the one known to have
    /// started then (<paramref name="knownTicks"/>, from /proc or from its fork event): it did not
    /// start later (a later process has the pid now), nor long before (the event's lag at most).
    /// </summary>
    public static bool Same(ulong statTicks, ulong knownTicks) => statTicks <= knownTicks + 1 && knownTicks <= statTicks + MaxEventLagTicks;

    /// <summary>The stat is of the process known by that start — or its start is not known (0), and nothing says otherwise.</summary>
    public static bool IsOf(ProcStat st, ulong knownTicks) => knownTicks == 0 || Same(st.StartTimeTicks, knownTicks);

    /// <summary>CLOCK_BOOTTIME − CLOCK_MONOTONIC: the time spent suspended; re-read at most once a second.</summary>
    private static long BootOffsetNs()
    {
        long now = Environment.TickCount64;
        if (now - Volatile.Read(ref _offsetAt) < 1000) return Volatile.Read(ref _offsetNs);
        Interop.ClockGettime(Interop.CLOCK_MONOTONIC, out var mono);
        Interop.ClockGettime(Interop.CLOCK_BOOTTIME, out var boot);
        long offset = Math.Max(0, (boot.Sec - mono.Sec) * 1_000_000_000L + (boot.Nsec - mono.Nsec));
        Volatile.Write(ref _offsetNs, offset);
        Volatile.Write(ref _offsetAt, now);
        return offset;
    }
}
