using System.Text.Json.Serialization;

namespace Corral.Daemon.Wire;

/// <summary>Source-generated JSON for every API type: no reflection at start-up, in the daemon or the CLI.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(UnitStatus))]
[JsonSerializable(typeof(UnitList))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(ReloadResponse))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(DeathList))]
[JsonSerializable(typeof(DeathView))]
[JsonSerializable(typeof(NoticeList))]
[JsonSerializable(typeof(LogList))]
[JsonSerializable(typeof(LogEntry))]
[JsonSerializable(typeof(Notices.Notice))]
[JsonSerializable(typeof(UsageHistoryList))]
[JsonSerializable(typeof(AccessAnswer))]
[JsonSerializable(typeof(OomCandidateList))]
[JsonSerializable(typeof(JobList))]
[JsonSerializable(typeof(DependencyNode))]
[JsonSerializable(typeof(DefaultTarget))]
[JsonSerializable(typeof(SecurityReport))]
[JsonSerializable(typeof(SecurityOverview))]
public sealed partial class ApiJson : JsonSerializerContext;
