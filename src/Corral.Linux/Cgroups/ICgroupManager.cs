namespace Corral.Linux.Cgroups;

/// <summary>One interface for both layouts; a factory picks the implementation from the mounts.</summary>
public interface ICgroupManager
{
    /// <summary>Corral's root cgroup on the v2 hierarchy.</summary>
    string Root { get; }
    CgroupLayout Layout { get; }

    /// <summary>Creates the root cgroups (and on hybrid hosts their v1 twins) and learns which limits it can enforce; idempotent.</summary>
    void EnsureRoot();

    /// <summary>
    /// The limits this host cannot enforce under the root, each with why ("no memory controller in
    /// …"); empty when every one can be. Known once <see cref="EnsureRoot"/> has run.
    /// </summary>
    IReadOnlyDictionary<CgroupLimit, string> NotEnforced { get; }

    /// <summary>The layout in words, for the daemon's start-up line: where processes are tracked, where each limit is enforced.</summary>
    string Describe();

    /// <summary>Creates (or reuses) the service's cgroups and applies its limits.</summary>
    ServiceCgroup Create(string unit, ulong? tasksMax, ulong? memoryMax);

    /// <summary>The service's cgroups as they would be named, without creating anything.</summary>
    ServiceCgroup For(string unit);

    /// <summary>The names of the unit cgroups under the root now ("web.service" …).</summary>
    List<string> UnitCgroupNames();

    List<int> ReadPids(ServiceCgroup cg);
    bool IsPopulated(ServiceCgroup cg);

    /// <summary>SIGKILL to every process, atomically, through cgroup.kill.</summary>
    void KillAll(ServiceCgroup cg);

    /// <summary>
    /// Asks the kernel to freeze (or thaw) every process of the cgroup at once through the v2
    /// cgroup.freeze, which is there on hybrid hosts too; the freeze is complete when
    /// <see cref="FreezerState"/> says "frozen" (cgroup.events "frozen 1").
    /// </summary>
    void SetFrozen(ServiceCgroup cg, bool frozen);

    /// <summary>
    /// systemd's FreezerState: running, freezing (asked, not all stopped yet), frozen, thawing — read
    /// from the kernel (cgroup.freeze, cgroup.events), so it survives the daemon; "running" when the
    /// cgroup or the files are missing.
    /// </summary>
    string FreezerState(ServiceCgroup cg);

    /// <summary>Removes the cgroups; false if they still hold processes.</summary>
    bool TryRemove(ServiceCgroup cg);

    /// <summary>Removes the root cgroups when nothing is left under them.</summary>
    void TryRemoveRoot();

    /// <summary>
    /// SIGKILL to every service cgroup under the root, then removes them and the root: the last
    /// resort of a test or benchmark that must leave nothing behind, also after a failure.
    /// </summary>
    void KillAndRemoveAll(TimeSpan waitPerCgroup);

    ulong? TasksCurrent(ServiceCgroup cg);
    /// <summary>The live threads in the cgroup (v2 cgroup.threads); TasksCurrent also counts zombies not yet reaped.</summary>
    int ThreadCount(ServiceCgroup cg);
    ulong? MemoryCurrent(ServiceCgroup cg);
    ulong? TasksLimit(ServiceCgroup cg);
    ulong? MemoryLimit(ServiceCgroup cg);
    /// <summary>The highest memory use the kernel recorded for the service.</summary>
    ulong? MemoryPeak(ServiceCgroup cg);
    /// <summary>How many processes of the service the OOM killer has killed, ever (read it for its change).</summary>
    ulong? OomKills(ServiceCgroup cg);
}
