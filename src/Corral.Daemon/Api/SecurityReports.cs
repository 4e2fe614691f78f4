using Corral.Core.Security;
using Corral.Core.Units;
using Corral.Daemon.Services;
using Corral.Daemon.Wire;
using Corral.Linux;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Api;

/// <summary>
/// `corral security`: a service scored as systemd-analyze security scores its file, and again as
/// Corral runs it here — the difference is what this host does not get of what the unit asks.
/// </summary>
internal static class SecurityReports
{
    private static SecurityAssessment Assess(ServiceUnit u, SecurityReading reading) =>
        SecurityAssessment.Of(SecurityFacts.Of(u, reading) with { CallExists = SystemCalls.Exists });

    public static SecurityReport Of(ServiceUnit u, ICgroupManager cgroups)
    {
        var systemd = Assess(u, SecurityReading.Systemd);
        var corral = Assess(u, SecurityReading.Corral);
        var unenforced = u.NotEnforcedSettings.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var checks = systemd.Results.Zip(corral.Results, (s, c) => new SecurityCheckView(
            s.Check.Name, s.Check.JsonField, s.Check.Weight, s.Check.Range, s.Finding.Badness, Tenths(s.ExposureTenths), s.Finding.Description)
        {
            CorralBadness = c.Finding.Badness,
            CorralExposure = Tenths(c.ExposureTenths),
            CorralDescription = c.Finding.Description,
            NotEnforced = [.. s.Check.Directives.Where(unenforced.Contains).Select(d => d + "=")],
        }).ToList();

        var read = SecurityChecks.All.SelectMany(c => c.Directives).ToHashSet(StringComparer.Ordinal);
        var gaps = u.NotEnforcedSettings.Select(s => s.Key).Distinct()
            .Where(k => read.Contains(k) || NotEnforcedDirectives.TryGet("Service", k, out var category) && category == NotEnforcedDirectives.Sandboxing)
            .Select(k => new SecurityGap(k + "=", NotEnforcedDirectives.Why(k)))
            .Concat(LimitEnforcement.NotEnforced(u, cgroups).Select(l => new SecurityGap(l.Directive + "=", l.Message)))
            .ToList();
        return new SecurityReport(u.Name, SecurityAssessment.Format(systemd.ExposureTenths), systemd.Level,
            SecurityAssessment.Format(corral.ExposureTenths), corral.Level) { Checks = checks, NotEnforced = gaps };
    }

    public static SecurityOverviewRow Row(ServiceUnit u)
    {
        var systemd = Assess(u, SecurityReading.Systemd);
        var corral = Assess(u, SecurityReading.Corral);
        return new SecurityOverviewRow(u.Name, SecurityAssessment.Format(systemd.ExposureTenths), systemd.Level,
            SecurityAssessment.Format(corral.ExposureTenths), corral.Level);
    }

    private static string? Tenths(int? t) => t is { } v ? SecurityAssessment.Format(v) : null;
}
