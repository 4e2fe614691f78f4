namespace Corral.Daemon.Services;

/// <summary>What percentages in TasksMax= and MemoryMax= are a share of.</summary>
public static class HostLimits
{
    public static ulong TotalMemory { get; } = ReadMemTotal();
    public static ulong MaxTasks { get; } = ReadNumber("/proc/sys/kernel/pid_max") ?? 4194304;

    private static ulong ReadMemTotal()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal) &&
                ulong.TryParse(line[9..].Trim().Split(' ')[0], out ulong kb))
                return kb * 1024;
        return 0;
    }

    private static ulong? ReadNumber(string path) =>
        ulong.TryParse(File.ReadAllText(path).Trim(), out ulong v) ? v : null;
}
