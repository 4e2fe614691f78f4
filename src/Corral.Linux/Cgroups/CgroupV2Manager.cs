namespace Corral.Linux.Cgroups;

/// <summary>
/// Pure cgroup v2: limits in memory.max and pids.max of the service's own cgroup, counters in
/// memory.events and pids.current. The controllers must be delegated to Corral's root by the cgroup
/// above it (they are listed in the root's cgroup.controllers); the root hands them on to the
/// services through its cgroup.subtree_control. A controller that is not there leaves its limit
/// unenforced, which <see cref="ICgroupManager.NotEnforced"/> says.
/// </summary>
public sealed class CgroupV2Manager(string root, CgroupLayout layout) : CgroupManagerBase(root, layout)
{
    /// <summary>The leaf the daemon moves itself into when it finds itself in the root (see EnsureRoot).</summary>
    public const string DaemonLeafName = "corral-daemon";

    private static readonly CgroupLimit[] Limits = [CgroupLimit.Memory, CgroupLimit.Tasks];

    public override void EnsureRoot()
    {
        base.EnsureRoot();
        _notEnforced.Clear();
        var available = Words(CgroupFile.TryRead(Path.Combine(Root, "cgroup.controllers")));
        var wanted = new List<CgroupLimit>();
        foreach (var limit in Limits)
        {
            string controller = CgroupLimitNames.Of(limit).Controller;
            if (available.Contains(controller)) wanted.Add(limit);
            else _notEnforced[limit] = $"no {controller} controller in {Root} (its cgroup.controllers: {(available.Count == 0 ? "none" : string.Join(' ', available))}): the cgroup above it does not delegate {controller}";
        }
        if (wanted.Count == 0) return;
        if (InternalProcesses() is { } refusal)
        {
            foreach (var limit in wanted) _notEnforced[limit] = refusal;
            return;
        }
        string enable = string.Join(' ', wanted.Select(l => "+" + CgroupLimitNames.Of(l).Controller));
        try
        {
            CgroupFile.Write(Path.Combine(Root, "cgroup.subtree_control"), enable);
        }
        catch (CgroupException e)
        {
            foreach (var limit in wanted) _notEnforced[limit] = $"cannot enable it for the services: {e.Message}";
        }
    }

    /// <summary>
    /// cgroup v2's "no internal processes" rule: a cgroup hands controllers to its children only while
    /// it holds no process itself. When the root holds only the daemon (started in it, as in a
    /// container), the daemon moves itself into a leaf beside the services; any other process there
    /// is not the daemon's to move, and the limits go unenforced, with this reason. Null when clear.
    /// </summary>
    private string? InternalProcesses()
    {
        var own = CgroupFile.ReadPids(Path.Combine(Root, "cgroup.procs"));
        if (own.Count == 0) return null;
        if (own.All(p => p == Environment.ProcessId))
        {
            EnterDaemonLeaf(Root);
            return null;
        }
        return $"{Root} holds processes of its own ({string.Join(' ', own.Take(5))}{(own.Count > 5 ? " …" : "")}), and cgroup v2 lets a cgroup hand controllers to its children only when it holds none; give --cgroup-root a cgroup of its own";
    }

    /// <summary>
    /// Moves the daemon into the leaf <see cref="DaemonLeafName"/> of <paramref name="root"/>: cgroup v2
    /// lets only leaves hold processes once controllers are handed down, and a service manager that
    /// delegated the root then sees the daemon and each service in cgroups of their own.
    /// </summary>
    public static void EnterDaemonLeaf(string root)
    {
        string leaf = Path.Combine(root, DaemonLeafName);
        Directory.CreateDirectory(leaf);
        CgroupFile.Write(Path.Combine(leaf, "cgroup.procs"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static HashSet<string> Words(string? text) =>
        (text ?? "").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    public override string Describe() =>
        $"cgroup v2 under {Root}; " + string.Join(", ", Limits.Select(l =>
            $"{CgroupLimitNames.Of(l).Directive}= " + (_notEnforced.TryGetValue(l, out var why) ? $"not enforced ({why})" : $"by {CgroupLimitNames.Of(l).Controller}")));

    protected override ServiceCgroup ForDirectory(string name) => new(name, Path.Combine(Root, name), null, null);

    /// <summary>
    /// The controller's files are there only when it is enabled for the services; without them the
    /// limit is not enforced (NotEnforced says why, the unit was warned at load) and the service
    /// starts all the same, as systemd starts it.
    /// </summary>
    protected override void ApplyLimits(ServiceCgroup cg, ulong? tasksMax, ulong? memoryMax)
    {
        string pids = Path.Combine(cg.Path, "pids.max"), memory = Path.Combine(cg.Path, "memory.max");
        if (File.Exists(pids)) CgroupFile.Write(pids, tasksMax?.ToString() ?? "max");
        if (File.Exists(memory)) CgroupFile.Write(memory, memoryMax?.ToString() ?? "max");
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
