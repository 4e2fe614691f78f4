namespace Corral.Linux.Cgroups;

public static class CgroupManagerFactory
{
    /// <summary>The default root: a "corral" cgroup directly under the v2 mount.</summary>
    public static string DefaultRoot(CgroupLayout layout) => Path.Combine(layout.UnifiedMount, "corral");

    public static ICgroupManager Create(string? root, CgroupLayout layout)
    {
        root ??= DefaultRoot(layout);
        return layout.IsHybrid ? new HybridCgroupManager(root, layout) : new CgroupV2Manager(root, layout);
    }
}
