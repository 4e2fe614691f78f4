namespace Corral.Linux.Cgroups;

/// <summary>A service's cgroups: the v2 one that tracks it, and on hybrid hosts its v1 memory and pids cgroups.</summary>
public sealed record ServiceCgroup(string Unit, string Path, string? MemoryV1Path, string? PidsV1Path)
{
    /// <summary>Every directory the executor joins before exec.</summary>
    public IEnumerable<string> AllPaths()
    {
        if (PidsV1Path is not null) yield return PidsV1Path;
        if (MemoryV1Path is not null) yield return MemoryV1Path;
        yield return Path;
    }

    public string ProcsFile => System.IO.Path.Combine(Path, "cgroup.procs");
    public string EventsFile => System.IO.Path.Combine(Path, "cgroup.events");
}
