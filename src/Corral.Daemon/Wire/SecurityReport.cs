namespace Corral.Daemon.Wire;

/// <summary>
/// GET /v1/units/NAME/security: a service's exposure as `systemd-analyze security` scores the file
/// (Exposure, Level) and as Corral runs it on this host (CorralExposure, CorralLevel), check by
/// check, with what the unit asks for that Corral does not enforce here and why.
/// </summary>
public sealed record SecurityReport(string Unit, string Exposure, string Level, string CorralExposure, string CorralLevel)
{
    public List<SecurityCheckView> Checks { get; init; } = [];
    public List<SecurityGap> NotEnforced { get; init; } = [];
}

/// <summary>
/// One check. Badness null: it does not apply to this unit; Exposure null: it costs nothing. The
/// Corral* fields are the same check as Corral runs the unit; they differ where a directive the
/// check reads is not enforced, or where Corral does more than the file says.
/// </summary>
public sealed record SecurityCheckView(string Name, string JsonField, int Weight, int Range, int? Badness, string? Exposure, string Description)
{
    public int? CorralBadness { get; init; }
    public string? CorralExposure { get; init; }
    public string CorralDescription { get; init; } = "";
    /// <summary>The directives the check reads that the unit sets and Corral does not enforce.</summary>
    public List<string> NotEnforced { get; init; } = [];
}

/// <summary>Something the unit asks for that Corral does not do on this host: the directive ("PrivateUsers=") and why.</summary>
public sealed record SecurityGap(string Directive, string Why);

/// <summary>GET /v1/security: every loaded service's two figures, as systemd-analyze security lists them without a unit.</summary>
public sealed record SecurityOverview(List<SecurityOverviewRow> Units);

public sealed record SecurityOverviewRow(string Unit, string Exposure, string Level, string CorralExposure, string CorralLevel);
