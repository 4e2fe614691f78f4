namespace Corral.Linux.Cgroups;

public static class CgroupManagerFactory
{
    /// <summary>The default root: a "corral" cgroup directly under the v2 mount.</summary>
    public static string DefaultRoot(CgroupLayout layout) => Path.Combine(layout.UnifiedMount, "corral");

    /// <summary>
    /// The cgroup2 cgroup this process was started in (the "0::" line of /proc/self/cgroup), as a
    /// service manager delegates it (systemd's Delegate=yes): the services go beneath it, the daemon
    /// into a leaf of it. A daemon that already sits in its leaf (started again by exec) names the
    /// cgroup above. The root cgroup is refused: it is the whole machine's.
    /// </summary>
    /// <param name="rootAllowed">
    /// the root of the cgroup namespace may be taken: a container's init (PID 1), whose cgroup
    /// namespace's root is the container's own cgroup, not the machine's
    /// </param>
    public static string OwnCgroup(CgroupLayout layout, bool rootAllowed = false)
    {
        string? line = File.ReadAllLines("/proc/self/cgroup").FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal));
        if (line is null) throw new CgroupException("--cgroup-root self: /proc/self/cgroup has no cgroup2 line (0::); this kernel mounts no cgroup2 hierarchy", null);
        string path = line[3..].TrimEnd();
        if (path.EndsWith(" (deleted)", StringComparison.Ordinal) || !path.StartsWith('/'))
            throw new CgroupException($"--cgroup-root self: the daemon's cgroup '{path}' cannot be used", null);
        if (Path.GetFileName(path) == CgroupV2Manager.DaemonLeafName) path = Path.GetDirectoryName(path)!;
        if (path == "/" && !rootAllowed)
            throw new CgroupException("--cgroup-root self: the daemon runs in the root cgroup, which is the whole machine's; start it in a cgroup of its own (systemd: Delegate=yes) or give --cgroup-root a path", null);
        // In a cgroup namespace whose root is not the mount's, the line is relative to another
        // cgroup than the path names: act only on the cgroup that is seen to hold this process.
        string full = path == "/" ? layout.UnifiedMount : layout.UnifiedMount + path;
        if (!File.Exists(Path.Combine(full, "cgroup.procs")) || !CgroupFile.ReadPids(Path.Combine(full, "cgroup.procs")).Contains(Environment.ProcessId))
            throw new CgroupException($"--cgroup-root self: /proc/self/cgroup names {path}, but {full} does not hold this process (a cgroup namespace the cgroup2 mount does not match?); give --cgroup-root a path", null);
        return full;
    }

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
