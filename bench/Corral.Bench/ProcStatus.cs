namespace Corral.Bench;

/// <summary>The "Name:   N kB" lines of /proc/PID/status the benchmarks read (VmRSS, RssAnon).</summary>
internal static class ProcStatus
{
    public static long Kb(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field, StringComparison.Ordinal)) return long.Parse(line[field.Length..].Trim().Split(' ')[0]);
        return 0;
    }

    public static long RssKb(int pid) => Kb(pid, "VmRSS:");
}
