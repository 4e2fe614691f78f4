using Corral.Linux.Procfs;

namespace Corral.Linux.Cgroups;

/// <summary>Where the hierarchies are mounted, read once from /proc/self/mountinfo.</summary>
public sealed record CgroupLayout(string UnifiedMount, string? MemoryV1Mount, string? PidsV1Mount)
{
    /// <summary>Hybrid: v2 tracks processes, v1 memory and pids controllers carry the limits.</summary>
    public bool IsHybrid => MemoryV1Mount is not null || PidsV1Mount is not null;

    public static CgroupLayout FromMountInfo(IReadOnlyList<MountInfo> mounts)
    {
        string? unified = mounts.FirstOrDefault(m => m.FsType == "cgroup2")?.MountPoint;
        if (unified is null)
            throw new CgroupException("no cgroup2 hierarchy is mounted (see /proc/self/mountinfo); Corral tracks services with cgroup v2", null);
        string? V1(string controller) => mounts.FirstOrDefault(m => m.FsType == "cgroup" && m.SuperOptions.Contains(controller))?.MountPoint;
        return new CgroupLayout(unified, V1("memory"), V1("pids"));
    }

    /// <summary>A cgroup directory of the v2 hierarchy as /proc/PID/cgroup names it ("/corral/web.service").</summary>
    public string ProcPath(string directory) => "/" + Path.GetRelativePath(UnifiedMount, directory);

    public static CgroupLayout Detect() => FromMountInfo(MountInfo.ParseAll(File.ReadAllText("/proc/self/mountinfo")));
}
