namespace Corral.Linux.Procfs;

/// <summary>
/// Whether this process runs in a pid namespace below the machine's (a container). The kernel's
/// trace (signal_generate) and its process connector name processes by the machine's pids, which
/// such a namespace does not see: their events cannot be matched to its processes, and the
/// connector may not be listened to there at all.
/// </summary>
public static class PidNamespace
{
    /// <summary>Why the machine's pids cannot be matched here, or null in the machine's own pid namespace.</summary>
    public static string? NestedReason()
    {
        // PID 1 is the namespace's init: Corral never runs as the machine's. Otherwise /proc's NSpid
        // lists one pid per namespace level the /proc mount sees: more than one is a nested namespace.
        bool nested = Environment.ProcessId == 1;
        if (!nested)
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                    if (line.StartsWith("NSpid:", StringComparison.Ordinal))
                    {
                        nested = line[6..].Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries).Length > 1;
                        break;
                    }
            }
            catch (IOException) { }
        }
        return nested ? "this pid namespace is not the machine's, and the kernel names processes by the machine's pids in its trace and process events" : null;
    }
}
