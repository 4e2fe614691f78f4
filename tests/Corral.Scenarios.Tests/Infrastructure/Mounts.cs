using System.Diagnostics;
using Corral.Linux.Procfs;

namespace Corral.Scenarios.Tests.Infrastructure;

public static class Mounts
{
    public static List<string> Under(string dir) =>
        MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo")).Select(m => m.MountPoint)
            .Where(p => p == dir || p.StartsWith(dir + "/", StringComparison.Ordinal)).ToList();

    /// <summary>Detaches every mount below the directory (lazily); true when none is left.</summary>
    public static bool DetachAllUnder(string dir)
    {
        foreach (var m in Under(dir).OrderByDescending(p => p.Length))
            using (var p = Process.Start("/bin/umount", ["-l", m])) p.WaitForExit();
        return Under(dir).Count == 0;
    }
}
