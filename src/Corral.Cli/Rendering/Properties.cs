using Corral.Core.Units;
using Corral.Daemon.Api;

namespace Corral.Cli.Rendering;

/// <summary>The KEY=VALUE properties of <c>corral show</c>, named and formatted as systemctl show does.</summary>
public static class Properties
{
    private const string NotSet = "[not set]";
    private const string Infinity = "infinity";

    public static List<KeyValuePair<string, string>> Of(UnitStatus s)
    {
        static string Num(ulong? v) => v?.ToString() ?? NotSet;
        static string Lim(ulong? v) => v?.ToString() ?? Infinity;
        static string Span(long? us) => us is null ? Infinity : TimeSpanParser.Format(TimeSpan.FromTicks(us.Value * 10));
        static string Bool(bool b) => b ? "yes" : "no";
        return
        [
            new("Id", s.Name),
            new("Description", s.Description),
            new("LoadState", s.LoadState),
            new("ActiveState", s.ActiveState),
            new("SubState", s.SubState),
            new("FragmentPath", s.FragmentPath ?? ""),
            new("Type", s.Type),
            new("Result", s.Result),
            new("MainPID", s.MainPid.ToString()),
            new("ControlPID", s.ControlPid.ToString()),
            new("ExecMainPID", s.ExecMainPid.ToString()),
            new("ExecMainCode", s.ExecMainCode.ToString()),
            new("ExecMainStatus", s.ExecMainStatus.ToString()),
            new("CGroup", s.CGroup ?? ""),
            new("TasksCurrent", Num(s.TasksCurrent)),
            new("TasksMax", Lim(s.TasksMax)),
            new("MemoryCurrent", Num(s.MemoryCurrent)),
            new("MemoryMax", Lim(s.MemoryMax)),
            new("KillMode", s.KillMode),
            new("KillSignal", s.KillSignal.ToString()),
            new("FinalKillSignal", s.FinalKillSignal.ToString()),
            new("SendSIGKILL", Bool(s.SendSigkill)),
            new("SendSIGHUP", Bool(s.SendSighup)),
            new("TimeoutStartUSec", Span(s.TimeoutStartUSec)),
            new("TimeoutStopUSec", Span(s.TimeoutStopUSec)),
            new("StateChangeTimestamp", s.StateSince is { } t ? Units.Timestamp(t) : ""),
        ];
    }
}
