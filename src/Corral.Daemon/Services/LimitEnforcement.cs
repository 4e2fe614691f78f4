using Corral.Core.Units;
using Corral.Linux.Cgroups;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>
/// What a unit asks for that this host cannot enforce: MemoryMax= or TasksMax= without its
/// controller (docs/architecture.md, "cgroup layouts"). systemd runs such a service silently
/// unlimited; Corral runs it too, and says so — a warning when the unit is loaded, a line in
/// status, a series in /metrics.
/// </summary>
internal static class LimitEnforcement
{
    /// <summary>The limits the unit sets, each with null (enforced) or why it is not.</summary>
    public static IEnumerable<(CgroupLimit Limit, string Setting, string? NotEnforcedBecause)> Of(ServiceUnit u, ICgroupManager cgroups)
    {
        if (u.MemoryMax.Kind != LimitKind.Infinity)
            yield return (CgroupLimit.Memory, $"MemoryMax={u.MemoryMax.ToSizeString()}", cgroups.NotEnforced.GetValueOrDefault(CgroupLimit.Memory));
        if (u.TasksMax.Kind != LimitKind.Infinity)
            yield return (CgroupLimit.Tasks, $"TasksMax={u.TasksMax}", cgroups.NotEnforced.GetValueOrDefault(CgroupLimit.Tasks));
    }

    /// <summary>"MemoryMax=100M not enforced: no memory controller in …", one per limit the host cannot enforce.</summary>
    public static List<NotEnforcedLimit> NotEnforced(ServiceUnit u, ICgroupManager cgroups) =>
        Of(u, cgroups).Where(l => l.NotEnforcedBecause is not null)
            .Select(l => new NotEnforcedLimit(CgroupLimitNames.Of(l.Limit).Directive, $"{l.Setting} not enforced: {l.NotEnforcedBecause}")).ToList();

    /// <summary>A warning at load for each, located at the directive's line in the unit file.</summary>
    public static IEnumerable<Diagnostic> Warnings(UnitLoadResult load, ICgroupManager cgroups)
    {
        if (load.Unit is not { } u) yield break;
        string[] lines;
        try { lines = File.ReadAllLines(load.FilePath); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { lines = []; }
        foreach (var (limit, setting, why) in Of(u, cgroups))
        {
            if (why is null) continue;
            string directive = CgroupLimitNames.Of(limit).Directive;
            int line = Array.FindLastIndex(lines, l => l.TrimStart().StartsWith(directive + "=", StringComparison.Ordinal)) + 1;
            yield return new Diagnostic(Severity.Warning, load.FilePath, line, $"{setting} will not be enforced on this host: {why}");
        }
    }
}
