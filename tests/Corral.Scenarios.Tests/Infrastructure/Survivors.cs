using Corral.Linux.Procfs;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>
/// The workload records every process it creates as PIDS/&lt;pid&gt; holding its start time; a survivor
/// is a live process with that pid and that same start time, so reused pids are never miscounted.
/// </summary>
public static class Survivors
{
    public static List<int> Recorded(string pidsDir) =>
        Directory.Exists(pidsDir)
            ? Directory.EnumerateFiles(pidsDir).Select(Path.GetFileName).Where(n => int.TryParse(n, out _)).Select(n => int.Parse(n!)).ToList()
            : [];

    public static List<int> Alive(string pidsDir)
    {
        var alive = new List<int>();
        foreach (int pid in Recorded(pidsDir))
            if (IsAlive(pidsDir, pid)) alive.Add(pid);
        return alive;
    }

    public static bool IsAlive(string pidsDir, int pid)
    {
        string? recorded = File.Exists(Path.Combine(pidsDir, pid.ToString())) ? File.ReadAllText(Path.Combine(pidsDir, pid.ToString())).Trim() : null;
        if (!ProcReader.TryReadStat(pid, out var st)) return false;
        // A zombie has run its last instruction: it is dead, only not yet reaped.
        return st!.State != 'Z' && recorded == st.StartTimeTicks.ToString();
    }
}
