using Corral.Core.Units;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Api;

/// <summary>The KEY=VALUE properties of <c>corral show</c>, named and formatted as systemctl show does.</summary>
internal static class UnitProperties
{
    private const string NotSet = "[not set]";
    private const string Infinity = "infinity";

    public static List<KeyValuePair<string, Func<string>>> Of(UnitStatus s)
    {
        static string Num(ulong? v) => v?.ToString() ?? NotSet;
        static string Lim(ulong? v) => v?.ToString() ?? Infinity;
        static string Span(long? us) => us is null ? Infinity : TimeSpanParser.Format(Core.Text.Microseconds.Span(us.Value));
        static string Bool(bool b) => b ? "yes" : "no";
        List<KeyValuePair<string, Func<string>>> deps = [.. Jobs.DependencyProperties.Names.Select(n =>
            new KeyValuePair<string, Func<string>>(n, () => string.Join(' ', s.Dependencies.GetValueOrDefault(n) ?? [])))];
        static string Stamp(DateTimeOffset? t) => t is { } x ? Core.Text.TimeText.Stamp(x) : "";
        List<KeyValuePair<string, Func<string>>> timer = s.Timer is not { } ti ? [] :
        [
            new("Unit", () => ti.Unit),
            new("TimersMonotonic", () => string.Join(' ', ti.Triggers.Where(t => !t.StartsWith("OnCalendar=", StringComparison.Ordinal)))),
            new("TimersCalendar", () => string.Join(' ', ti.Triggers.Where(t => t.StartsWith("OnCalendar=", StringComparison.Ordinal)))),
            new("NextElapseUSecRealtime", () => Stamp(ti.NextElapse)),
            new("LastTriggerUSec", () => Stamp(ti.LastTrigger)),
            new("AccuracyUSec", () => Span(ti.AccuracyUSec)),
            new("RandomizedDelayUSec", () => Span(ti.RandomizedDelayUSec)),
            new("Persistent", () => Bool(ti.Persistent)),
            new("RemainAfterElapse", () => Bool(ti.RemainAfterElapse)),
        ];
        List<KeyValuePair<string, Func<string>>> socket = s.Socket is not { } so ? [] :
        [
            new("Accept", () => Bool(so.Accept)),
            new("Listen", () => string.Join(' ', so.Listen.Select(l => $"{l.Type}:{l.Address}"))),
            new("FileDescriptorName", () => so.FileDescriptorName),
            new("NAccepted", () => so.Accepted.ToString()),
            new("NConnections", () => so.Connections.ToString()),
            new("NRefused", () => so.Refused.ToString()),
        ];
        return
        [
            new("Id", () => s.Name),
            .. deps,
            new("Triggers", () => s.Timer?.Unit ?? s.Socket?.Service ?? ""),
            new("TriggeredBy", () => string.Join(' ', s.TriggeredBy)),
            .. timer,
            .. socket,
            new("UnitFileState", () => s.UnitFileState ?? ""),
            new("Job", () => s.Job ?? ""),
            new("Description", () => s.Description),
            new("Documentation", () => string.Join(' ', s.Documentation.Select(d => $"\"{d}\""))),
            new("LoadState", () => s.LoadState),
            new("ActiveState", () => s.ActiveState),
            new("SubState", () => s.SubState),
            new("FreezerState", () => s.FreezerState),
            new("FragmentPath", () => s.FragmentPath ?? ""),
            new("DropInPaths", () => string.Join(' ', s.DropInPaths)),
            new("Type", () => s.Type),
            new("Result", () => s.Result),
            new("MainPID", () => s.MainPid.ToString()),
            new("ControlPID", () => s.ControlPid.ToString()),
            new("ExecMainPID", () => s.ExecMainPid.ToString()),
            new("ExecMainCode", () => s.ExecMainCode.ToString()),
            new("ExecMainStatus", () => s.ExecMainStatus.ToString()),
            new("CGroup", () => s.CGroup ?? ""),
            new("TasksCurrent", () => Num(s.TasksCurrent)),
            new("TasksMax", () => Lim(s.TasksMax)),
            new("MemoryCurrent", () => Num(s.MemoryCurrent)),
            new("MemoryMax", () => Lim(s.MemoryMax)),
            new("KillMode", () => s.KillMode),
            new("KillSignal", () => s.KillSignal.ToString()),
            new("FinalKillSignal", () => s.FinalKillSignal.ToString()),
            new("SendSIGKILL", () => Bool(s.SendSigkill)),
            new("SendSIGHUP", () => Bool(s.SendSighup)),
            new("TimeoutStartUSec", () => Span(s.TimeoutStartUSec)),
            new("TimeoutStopUSec", () => Span(s.TimeoutStopUSec)),
            new("Restart", () => s.Restart),
            new("RestartUSec", () => Span(s.RestartUSec)),
            new("NRestarts", () => s.NRestarts.ToString()),
            new("StatusText", () => s.StatusText ?? ""),
            new("StatusErrno", () => s.StatusErrno.ToString()),
            new("NotifyAccess", () => s.NotifyAccess),
            new("WatchdogUSec", () => Span(s.WatchdogUSec)),
            new("NotifyRefused", () => s.NotifyRefused.ToString()),
            new("ConditionResult", () => Bool(s.UnmetCondition is null)),
            new("AssertResult", () => Bool(s.UnmetAssert is null)),
            new("ConditionTimestamp", () => s.ConditionAt is { } ct ? Core.Text.TimeText.Stamp(ct) : ""),
            new("StateChangeTimestamp", () => s.StateSince is { } t ? Core.Text.TimeText.Stamp(t) : ""),
            new("InactiveExitTimestamp", () => Stamp(s.InactiveExitTimestamp)),
            new("InactiveEnterTimestamp", () => Stamp(s.InactiveEnterTimestamp)),
            new("StartedBy", () => s.StartedBy ?? ""),
            new("FileDescriptorStoreMax", () => s.FileDescriptorStoreMax.ToString()),
            new("NFileDescriptorStore", () => s.NFileDescriptorStore.ToString()),
        ];
        // Values are computed only when printed: formatting a timestamp loads the time zone database.
    }

    /// <summary>The text <c>corral show</c> prints: KEY=VALUE lines (or values only), in the order asked for.</summary>
    public static string Render(UnitStatus s, IReadOnlyList<string> wanted, bool valueOnly)
    {
        var props = Of(s);
        if (wanted.Count > 0)
            props = wanted.Select(w => props.FirstOrDefault(p => p.Key == w)).Where(p => p.Key is not null).ToList();
        var sb = new System.Text.StringBuilder();
        foreach (var p in props) sb.Append(valueOnly ? p.Value() : $"{p.Key}={p.Value()}").Append('\n');
        return sb.ToString();
    }

    public static Dictionary<string, string> Dictionary(UnitStatus s, IReadOnlyList<string> wanted) =>
        Of(s).Where(p => wanted.Count == 0 || wanted.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value());
}
