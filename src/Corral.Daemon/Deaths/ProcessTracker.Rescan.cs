using Corral.Core.Deaths;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Rebuilding the lineage after the kernel dropped process events (the connector's socket overflowed:
/// ENOBUFS). Forks that were lost leave processes of a service untracked; exits that were lost leave
/// dead ones tracked. /proc and the services' cgroups tell what is true now.
/// </summary>
public sealed partial class ProcessTracker
{
    /// <summary>What a rescan changed: processes found in a service's cgroup that were not tracked, tracked
    /// ones that had gone without an exit event, and zombies of the services that were not known.</summary>
    public sealed record RescanResult(int Adopted, int Gone, int ZombiesFound);

    // Processes a rescan found gone while still tracked, and when: unless their exit event comes within
    // a few seconds, it was lost, and they are forgotten without a death record (counted in ExitsLost).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> _gone = new();
    private long _exitsLost;

    /// <summary>Processes whose exit the kernel's dropped events hid: no death record could be written for them.</summary>
    public long ExitsLost => Interlocked.Read(ref _exitsLost);

    /// <summary>Forgets the processes a rescan found gone whose exit event never came (called by exits and the monitor).</summary>
    public void PruneGone(long now)
    {
        if (_gone.IsEmpty) return;
        foreach (var (pid, since) in _gone)
        {
            if (now - since < 3000) continue;
            _gone.TryRemove(pid, out _);
            // Gone, or its pid now another process's: either way ours ended unseen.
            if (_procs.TryGetValue(pid, out var t) && t.Role == ProcessRoles.Process && !IsStill(pid, t) && _procs.TryRemove(pid, out _))
                Interlocked.Increment(ref _exitsLost);
        }
    }

    /// <summary>The stat is of the tracked process itself (same start), or its start is not known.</summary>
    private static bool SameStart(ProcStat st, Tracked t) => t.StartTicks == 0 || StartTicks.Same(st.StartTimeTicks, t.StartTicks);

    /// <summary>The tracked process still runs under its pid (or is its zombie).</summary>
    private static bool IsStill(int pid, Tracked t) => ProcReader.TryReadStat(pid, out var st) && SameStart(st!, t);

    /// <summary>Processes tracked now, per unit (for tests and the rescan's report).</summary>
    public List<int> TrackedPidsOf(string unit) => _procs.Where(kv => kv.Value.Unit == unit).Select(kv => kv.Key).ToList();

    /// <param name="units">every unit that has a cgroup now</param>
    public RescanResult Rescan(IEnumerable<string> units)
    {
        var all = new Dictionary<int, ProcStat>();
        foreach (int pid in ProcReader.AllPids())
            if (ProcReader.TryReadStat(pid, out var st)) all[pid] = st!;

        int adopted = 0, lost = 0, zombies = 0;
        foreach (string unit in units)
        {
            foreach (int pid in _cgroups.ReadPids(_cgroups.For(unit)))
            {
                if (_procs.ContainsKey(pid)) continue;
                var t = Describe(pid, unit, ProcessRoles.Process, inherit: null);
                if (_procs.TryAdd(pid, t)) adopted++;
            }
        }
        int self = Environment.ProcessId;
        long now = Environment.TickCount64;
        foreach (var (pid, t) in _procs)
        {
            // Main and control processes end through the reaper, which loses nothing.
            if (t.Role != ProcessRoles.Process) continue;
            if (all.TryGetValue(pid, out var st) && st.State != 'Z' && SameStart(st, t)) continue;
            // Gone, but its exit event may still wait in the socket buffer: it gets a few seconds to arrive.
            if (_gone.TryAdd(pid, now)) lost++;
        }
        foreach (var (pid, st) in all)
        {
            if (st.State != 'Z' || st.Ppid == self || !_procs.TryGetValue(st.Ppid, out var parent)) continue;
            if (!all.TryGetValue(st.Ppid, out var parentStat) || !SameStart(parentStat, parent)) continue; // the parent's pid is another process's now
            if (_unreaped.TryAdd(pid, (parent.Unit, st.Ppid, DateTimeOffset.Now, st.StartTimeTicks))) zombies++;
        }
        return new RescanResult(adopted, lost, zombies);
    }
}
