namespace Corral.Daemon.Services;

/// <summary>What percentages in TasksMax= and MemoryMax= are a share of, and the resource limits a service gets by default.</summary>
internal static class HostLimits
{
    public static ulong TotalMemory { get; } = ReadMemTotal();
    public static ulong MaxTasks { get; } = ReadNumber("/proc/sys/kernel/pid_max") ?? 4194304;
    public static ulong ThreadsMax { get; } = ReadNumber("/proc/sys/kernel/threads-max") ?? 63704;

    /// <summary>
    /// The daemon's own hard limit of each resource, read at start: no service can be given more
    /// without CAP_SYS_RESOURCE, so a default above it is lowered to it (in the order of DefaultLimits.Names).
    /// </summary>
    private static readonly ulong?[] DaemonHard = Core.Units.DefaultLimits.Names.Select((_, i) => Linux.ResourceLimits.Hard(i)).ToArray();

    /// <summary>What a service gets for each resource its unit does not set: systemd's default within what the daemon may grant.</summary>
    public static IReadOnlyDictionary<string, Core.Units.RLimit> DefaultRLimits { get; } = Core.Units.DefaultLimits.Names
        .Select((name, i) => (name, Core.Units.DefaultLimits.Within(Core.Units.DefaultLimits.For(name, ThreadsMax), DaemonHard[i])))
        .ToDictionary(x => x.name, x => x.Item2);

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
