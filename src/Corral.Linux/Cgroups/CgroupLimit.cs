namespace Corral.Linux.Cgroups;

/// <summary>The limits a cgroup controller enforces for Corral: MemoryMax= (memory) and TasksMax= (pids).</summary>
public enum CgroupLimit { Memory, Tasks }

public static class CgroupLimitNames
{
    /// <summary>The unit directive ("MemoryMax") and the controller that enforces it ("memory").</summary>
    public static (string Directive, string Controller) Of(CgroupLimit limit) => limit switch
    {
        CgroupLimit.Memory => ("MemoryMax", "memory"),
        _ => ("TasksMax", "pids"),
    };
}
