namespace Corral.Linux.Cgroups;

/// <summary>What both layouts share: the v2 tracking cgroup, its procs, events and kill files.</summary>
public abstract class CgroupManagerBase(string root, CgroupLayout layout) : ICgroupManager
{
    public string Root { get; } = root.TrimEnd('/');
    public CgroupLayout Layout { get; } = layout;

    public virtual void EnsureRoot() => Directory.CreateDirectory(Root);

    protected readonly Dictionary<CgroupLimit, string> _notEnforced = [];

    public IReadOnlyDictionary<CgroupLimit, string> NotEnforced => _notEnforced;

    public abstract string Describe();

    public ServiceCgroup For(string unit) => ForDirectory(UnitDirectoryName(unit));

    public List<string> UnitCgroupNames() => Directory.Exists(Root)
        ? Directory.GetDirectories(Root).Select(Path.GetFileName).OfType<string>().Where(Core.Units.UnitNames.IsService).ToList()
        : [];

    /// <summary>The cgroups named exactly so under the root(s), whatever the name.</summary>
    protected abstract ServiceCgroup ForDirectory(string name);

    public ServiceCgroup Create(string unit, ulong? tasksMax, ulong? memoryMax)
    {
        EnsureRoot();
        var cg = For(unit);
        foreach (var dir in cg.AllPaths())
            Directory.CreateDirectory(dir);
        ApplyLimits(cg, tasksMax, memoryMax);
        return cg;
    }

    protected abstract void ApplyLimits(ServiceCgroup cg, ulong? tasksMax, ulong? memoryMax);

    public List<int> ReadPids(ServiceCgroup cg) => CgroupFile.ReadPids(cg.ProcsFile);

    public bool IsPopulated(ServiceCgroup cg)
    {
        string? events = CgroupFile.TryRead(cg.EventsFile);
        return events is not null && events.Contains("populated 1", StringComparison.Ordinal);
    }

    public void KillAll(ServiceCgroup cg)
    {
        if (Directory.Exists(cg.Path))
            CgroupFile.Write(Path.Combine(cg.Path, "cgroup.kill"), "1");
    }

    public void SetFrozen(ServiceCgroup cg, bool frozen)
    {
        string file = Path.Combine(cg.Path, "cgroup.freeze");
        if (!File.Exists(file))
            throw new CgroupException($"cannot {(frozen ? "freeze" : "thaw")}: {file} does not exist (the cgroup v2 freezer needs Linux 5.2 or later)", null);
        CgroupFile.Write(file, frozen ? "1" : "0");
    }

    public string FreezerState(ServiceCgroup cg)
    {
        bool asked = CgroupFile.TryRead(Path.Combine(cg.Path, "cgroup.freeze"))?.Trim() == "1";
        string? events = CgroupFile.TryRead(cg.EventsFile);
        bool frozen = events is not null && events.Contains("frozen 1", StringComparison.Ordinal);
        return (asked, frozen) switch
        {
            (true, true) => "frozen",
            (true, false) => "freezing",
            (false, true) => "thawing",
            _ => "running",
        };
    }

    public bool TryRemove(ServiceCgroup cg)
    {
        bool ok = true;
        foreach (var dir in cg.AllPaths().Reverse())
            ok &= CgroupFile.TryRemoveDirectory(dir);
        return ok;
    }

    public virtual void TryRemoveRoot() => CgroupFile.TryRemoveDirectory(Root);

    public void KillAndRemoveAll(TimeSpan waitPerCgroup)
    {
        if (Directory.Exists(Root))
        {
            foreach (var dir in Directory.GetDirectories(Root))
            {
                var cg = ForDirectory(Path.GetFileName(dir)); // also cgroups that are not a unit's
                try { KillAll(cg); } catch (CgroupException) { }
                var end = DateTime.UtcNow + waitPerCgroup;
                while (IsPopulated(cg) && DateTime.UtcNow < end) Thread.Sleep(10);
                TryRemove(cg);
            }
        }
        TryRemoveRoot();
    }

    public abstract ulong? TasksCurrent(ServiceCgroup cg);

    public int ThreadCount(ServiceCgroup cg) => CgroupFile.ReadPids(Path.Combine(cg.Path, "cgroup.threads")).Count;
    public abstract ulong? MemoryCurrent(ServiceCgroup cg);
    public abstract ulong? TasksLimit(ServiceCgroup cg);
    public abstract ulong? MemoryLimit(ServiceCgroup cg);

    public abstract ulong? MemoryPeak(ServiceCgroup cg);
    public abstract ulong? OomKills(ServiceCgroup cg);

    /// <summary>The number after KEY in a flat keyed file such as memory.events or memory.oom_control.</summary>
    protected static ulong? KeyedValue(string path, string key)
    {
        string? text = CgroupFile.TryRead(path);
        if (text is null) return null;
        foreach (var line in text.Split('\n'))
            if (line.StartsWith(key + " ", StringComparison.Ordinal) && ulong.TryParse(line[(key.Length + 1)..], out ulong v)) return v;
        return null;
    }

    protected static string UnitDirectoryName(string unit) => Core.Units.UnitNames.Normalize(unit);
}
