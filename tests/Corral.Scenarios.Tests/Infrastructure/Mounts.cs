using System.Diagnostics;
using Corral.Linux.Procfs;

namespace Corral.Scenarios.Tests.Infrastructure;

public static class Mounts
{
    public static List<string> Under(string dir) =>
        MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo")).Select(m => m.MountPoint)
            .Where(p => p == dir || p.StartsWith(dir + "/", StringComparison.Ordinal)).ToList();

    /// <summary>A tmpfs of the given size (such as "2m") mounted on the directory, created if need be; the fixture's Dispose detaches it.</summary>
    public static void Tmpfs(string dir, string size, string mode = "0750")
    {
        Directory.CreateDirectory(dir);
        using var p = Process.Start("/bin/mount", ["-t", "tmpfs", "-o", $"size={size},mode={mode}", "tmpfs", dir]);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"mount -t tmpfs on {dir} failed");
    }

    /// <summary>Fills the filesystem holding the directory with one file until it has no room left; returns its path.</summary>
    public static string Fill(string dir, string name = "filler")
    {
        string path = Path.Combine(dir, name);
        var block = new byte[64 * 1024];
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1);
        try
        {
            while (true) f.Write(block);
        }
        catch (IOException) { } // no space left
        // The last page-sized pieces too.
        var small = new byte[512];
        try { while (true) f.Write(small); } catch (IOException) { }
        return path;
    }

    /// <summary>Detaches every mount below the directory (lazily); true when none is left.</summary>
    public static bool DetachAllUnder(string dir)
    {
        foreach (var m in Under(dir).OrderByDescending(p => p.Length))
            using (var p = Process.Start("/bin/umount", ["-l", m])) p.WaitForExit();
        return Under(dir).Count == 0;
    }
}
