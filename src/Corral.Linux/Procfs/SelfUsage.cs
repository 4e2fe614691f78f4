namespace Corral.Linux.Procfs;

/// <summary>What this process uses, from /proc/self: CPU time, memory, open file descriptors and their limit, start time.</summary>
public sealed record SelfUsage(double CpuSeconds, long ResidentBytes, long VirtualBytes, int OpenFds, long? MaxFds, DateTimeOffset StartedAt)
{
    public static SelfUsage Read()
    {
        if (!ProcReader.TryReadStat(Environment.ProcessId, out var st))
            throw new IOException($"/proc/{Environment.ProcessId}/stat could not be read");
        int fds = 0;
        try { fds = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(); }
        catch (IOException) { }
        return new SelfUsage((st!.UserTicks + st.SystemTicks) / (double)ProcReader.ClockTicks, st.RssPages * Environment.SystemPageSize,
            (long)st.VirtualBytes, fds, MaxOpenFiles(), ProcReader.StartTime(st));
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
