namespace Corral.Linux.Cgroups;

/// <summary>
/// Hybrid hosts: the v2 hierarchy has no memory or pids controller, so each service also gets a
/// cgroup of the same relative name in the v1 memory and pids hierarchies, where TasksMax= and
/// MemoryMax= are enforced (pids.max, memory.limit_in_bytes) and counted.
/// </summary>
public sealed class HybridCgroupManager : CgroupManagerBase
{
    private const ulong V1Unlimited = 0x7FFFFFFFFFFFF000; // what memory.limit_in_bytes reads when unlimited
    private readonly string? _memoryRoot, _pidsRoot;

    public HybridCgroupManager(string root, CgroupLayout layout) : base(root, layout)
    {
        string relative = Path.GetRelativePath(layout.UnifiedMount, Root);
        if (relative.StartsWith("..", StringComparison.Ordinal))
            throw new CgroupException($"cgroup root {Root} is not under the cgroup2 mount {layout.UnifiedMount}", null);
        _memoryRoot = layout.MemoryV1Mount is { } m ? Path.Combine(m, relative) : null;
        _pidsRoot = layout.PidsV1Mount is { } p ? Path.Combine(p, relative) : null;
    }

    public override void EnsureRoot()
    {
        base.EnsureRoot();
        if (_memoryRoot is not null) Directory.CreateDirectory(_memoryRoot);
        else _notEnforced[CgroupLimit.Memory] = "no memory controller: no v1 memory hierarchy is mounted, and the cgroup2 one has none";
        if (_pidsRoot is not null) Directory.CreateDirectory(_pidsRoot);
        else _notEnforced[CgroupLimit.Tasks] = "no pids controller: no v1 pids hierarchy is mounted, and the cgroup2 one has none";
    }

    public override string Describe() =>
        $"hybrid: processes tracked in cgroup2 under {Root}; MemoryMax= {(_memoryRoot is null ? "not enforced (no v1 memory hierarchy)" : $"in v1 {_memoryRoot}")}, " +
        $"TasksMax= {(_pidsRoot is null ? "not enforced (no v1 pids hierarchy)" : $"in v1 {_pidsRoot}")}";

    protected override ServiceCgroup ForDirectory(string name)
    {
        return new(name, Path.Combine(Root, name),
            _memoryRoot is null ? null : Path.Combine(_memoryRoot, name),
            _pidsRoot is null ? null : Path.Combine(_pidsRoot, name));
    }

    protected override void ApplyLimits(ServiceCgroup cg, ulong? tasksMax, ulong? memoryMax)
    {
        if (cg.PidsV1Path is not null)
            CgroupFile.Write(Path.Combine(cg.PidsV1Path, "pids.max"), tasksMax?.ToString() ?? "max");
        if (cg.MemoryV1Path is not null)
            CgroupFile.Write(Path.Combine(cg.MemoryV1Path, "memory.limit_in_bytes"), memoryMax?.ToString() ?? "-1");
    }

    public override void TryRemoveRoot()
    {
        base.TryRemoveRoot();
        // v1 twins of service cgroups whose v2 cgroup is already gone would keep the roots busy.
        foreach (var v1Root in new[] { _memoryRoot, _pidsRoot })
        {
            if (v1Root is null || !Directory.Exists(v1Root)) continue;
            foreach (var child in Directory.GetDirectories(v1Root)) CgroupFile.TryRemoveDirectory(child);
            CgroupFile.TryRemoveDirectory(v1Root);
        }
    }

    public override ulong? TasksCurrent(ServiceCgroup cg) => cg.PidsV1Path is null ? null : CgroupFile.TryReadNumber(Path.Combine(cg.PidsV1Path, "pids.current"));
    public override ulong? MemoryCurrent(ServiceCgroup cg) => cg.MemoryV1Path is null ? null : CgroupFile.TryReadNumber(Path.Combine(cg.MemoryV1Path, "memory.usage_in_bytes"));
    public override ulong? TasksLimit(ServiceCgroup cg) => cg.PidsV1Path is null ? null : CgroupFile.TryReadNumber(Path.Combine(cg.PidsV1Path, "pids.max"));

    public override ulong? MemoryPeak(ServiceCgroup cg) =>
        cg.MemoryV1Path is null ? null : CgroupFile.TryReadNumber(Path.Combine(cg.MemoryV1Path, "memory.max_usage_in_bytes"));

    public override ulong? OomKills(ServiceCgroup cg) =>
        cg.MemoryV1Path is null ? null : KeyedValue(Path.Combine(cg.MemoryV1Path, "memory.oom_control"), "oom_kill");

    public override ulong? MemoryLimit(ServiceCgroup cg)
    {
        ulong? v = cg.MemoryV1Path is null ? null : CgroupFile.TryReadNumber(Path.Combine(cg.MemoryV1Path, "memory.limit_in_bytes"));
        return v >= V1Unlimited ? null : v;
    }
}
