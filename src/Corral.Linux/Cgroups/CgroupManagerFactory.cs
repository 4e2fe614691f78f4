namespace Corral.Linux.Cgroups;

public static class CgroupManagerFactory
{
    /// <summary>The default root: a "corral" cgroup directly under the v2 mount.</summary>
    public static string DefaultRoot(CgroupLayout layout) => Path.Combine(layout.UnifiedMount, "corral");

    /// <param name="unifiedOnly">
    /// use the cgroup2 hierarchy alone even on a hybrid host, whose v1 hierarchies may belong to
    /// another manager (`corral daemon --cgroup-layout unified`)
    /// </param>
    public static ICgroupManager Create(string? root, CgroupLayout layout, bool unifiedOnly = false)
    {
        root ??= DefaultRoot(layout);
        return layout.IsHybrid && !unifiedOnly ? new HybridCgroupManager(root, layout) : new CgroupV2Manager(root, layout);
    }
}
