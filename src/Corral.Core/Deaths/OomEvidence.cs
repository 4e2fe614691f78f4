namespace Corral.Core.Deaths;

/// <summary>
/// Why a death is an OOM kill: the service's OOM counter rose, and the kernel's own report on the
/// victim (figures in kB, as the kernel prints them) with the limit and peak usage of the service.
/// </summary>
public sealed record OomEvidence(
    string Scope,
    long? TotalVmKb,
    long? AnonRssKb,
    long? FileRssKb,
    long? ShmemRssKb,
    int? OomScoreAdj,
    ulong? LimitBytes,
    ulong? PeakBytes);
