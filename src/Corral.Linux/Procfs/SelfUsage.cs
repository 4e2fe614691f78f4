namespace Corral.Linux.Procfs;

/// <summary>What this process uses, from /proc/self: CPU time, memory, open file descriptors and their limit, start time.</summary>
public sealed record SelfUsage(double CpuSeconds, long ResidentBytes, long VirtualBytes, int OpenFds, long? MaxFds, DateTimeOffset StartedAt)
{
    public static SelfUsage Read()
    {
        if (!ProcReader.TryReadStat(Environment.ProcessId, out var st))
            throw new IOException($"/proc/{Environment.ProcessId}/stat could not be read");
        return new SelfUsage((st!.UserTicks + st.SystemTicks) / (double)ProcReader.ClockTicks, st.RssPages * Environment.SystemPageSize,
            (long)st.VirtualBytes, CountOpenFds(), MaxOpenFiles(), ProcReader.StartTime(st));
    }

    /// <summary>
    /// The entries of /proc/self/fd but ".", ".." and the reading's own, by readdir alone. .NET's directory
    /// enumeration stat()s every symbolic link to learn whether it leads to a directory: with the ~700 descriptors
    /// of a daemon running 100 services, that made a /metrics scrape 8 ms slower.
    /// </summary>
    public static int CountOpenFds()
    {
        IntPtr dir = Interop.OpenDir("/proc/self/fd");
        if (dir == IntPtr.Zero) return 0;
        try
        {
            int n = 0;
            while (Interop.ReadDir(dir) != IntPtr.Zero) n++;
            return Math.Max(0, n - 3); // ".", ".." and the descriptor of this very reading
        }
        finally
        {
            Interop.CloseDir(dir);
        }
    }

    /// <summary>The soft limit of "Max open files" in /proc/self/limits; null when unlimited or unreadable.</summary>
    private static long? MaxOpenFiles()
    {
        foreach (var line in (ProcReader.TryReadText("/proc/self/limits") ?? "").Split('\n'))
        {
            if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
            var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 0 && long.TryParse(fields[0], out long soft) ? soft : null;
        }
        return null;
    }
}
