namespace Corral.Linux.Cgroups;

/// <summary>Pure cgroup v2: limits in memory.max and pids.max of the service's own cgroup.</summary>
public sealed class CgroupV2Manager(string root, CgroupLayout layout) : CgroupManagerBase(root, layout)
{
    public override void EnsureRoot()
    {
        base.EnsureRoot();
        // Delegate memory and pids to the services' cgroups; a parent that lacks them makes this fail,
        // which only means limits are not available, not that tracking is.
        foreach (var c in new[] { "+memory", "+pids" })
        {
            try { CgroupFile.Write(Path.Combine(Root, "cgroup.subtree_control"), c); }
            catch (CgroupException) { }
        }
    }

    protected override ServiceCgroup ForDirectory(string name) => new(name, Path.Combine(Root, name), null, null);

    protected override void ApplyLimits(ServiceCgroup cg, ulong? tasksMax, ulong? memoryMax)
    {
        if (tasksMax is not null || File.Exists(Path.Combine(cg.Path, "pids.max")))
            CgroupFile.Write(Path.Combine(cg.Path, "pids.max"), tasksMax?.ToString() ?? "max");
        if (memoryMax is not null || File.Exists(Path.Combine(cg.Path, "memory.max")))
            CgroupFile.Write(Path.Combine(cg.Path, "memory.max"), memoryMax?.ToString() ?? "max");
    }

    public override ulong? TasksCurrent(ServiceCgroup cg) =>
        CgroupFile.TryReadNumber(Path.Combine(cg.Path, "pids.current"))
        ?? (ulong?)CgroupFile.TryRead(Path.Combine(cg.Path, "cgroup.threads"))?.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    public override ulong? MemoryCurrent(ServiceCgroup cg) => CgroupFile.TryReadNumber(Path.Combine(cg.Path, "memory.current"));
    public override ulong? TasksLimit(ServiceCgroup cg) => CgroupFile.TryReadNumber(Path.Combine(cg.Path, "pids.max"));
    public override ulong? MemoryLimit(ServiceCgroup cg) => CgroupFile.TryReadNumber(Path.Combine(cg.Path, "memory.max"));
    public override ulong? MemoryPeak(ServiceCgroup cg) => CgroupFile.TryReadNumber(Path.Combine(cg.Path, "memory.peak"));
    public override ulong? OomKills(ServiceCgroup cg) => KeyedValue(Path.Combine(cg.Path, "memory.events"), "oom_kill");
}
