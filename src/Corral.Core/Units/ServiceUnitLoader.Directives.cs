using System.Globalization;
using Corral.Core.Killing;
using Corral.Core.Signals;

namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    private delegate void Apply(Builder b, string value, Context ctx);

    /// <summary>Every directive Corral reads, keyed by section and name; anything else warns.</summary>
    private static readonly Dictionary<(string Section, string Key), Apply> Directives = WithSocket(WithTimer(WithSandbox(WithDependencies(WithLimits(new()
    {
        [("Unit", "Description")] = (b, v, _) => b.Description = Specifiers.Expand(v, b.Name),
        [("Unit", "Documentation")] = (b, v, ctx) =>
        {
            if (v.Length == 0) { b.Documentation.Clear(); return; }
            // As systemd: a word that is not a URI is said and left out; the unit loads all the same.
            foreach (var uri in WordSplitter.Split(Specifiers.Expand(v, b.Name)))
                if (uri.IndexOf(':') > 0 && uri.All(c => c > ' ' && c < 0x7f)) b.Documentation.Add(uri);
                else ctx.Warn($"'{uri}' is not a URI (man:, info:, http:, https:, file:), ignored");
        },
        [("Service", "Type")] = (b, v, ctx) => b.Type = ServiceTypeNames.TryParse(v, out var type) ? type : v switch
        {
            "dbus" => WarnAndUse(ctx, "Type=dbus is not supported by Corral (no D-Bus here), treated as simple", ServiceType.Simple),
            // systemd only delays an idle service until the other start jobs are dispatched (at most 5 s), to keep the console tidy.
            "idle" => WarnAndUse(ctx, "Type=idle runs as simple: Corral starts no jobs at once with it and has no console to keep quiet", ServiceType.Simple),
            _ => throw new UnitValueException($"is not one of {ServiceTypeNames.All}"),
        },
        [("Service", "ExecStart")] = (b, v, _) => AddCommands(b.ExecStart, Specifiers.Expand(v, b.Name)),
        [("Service", "ExecCondition")] = (b, v, _) => AddCommands(b.ExecCondition, Specifiers.Expand(v, b.Name)),
        [("Service", "ExecStartPre")] = (b, v, _) => AddCommands(b.ExecStartPre, Specifiers.Expand(v, b.Name)),
        [("Service", "ExecStartPost")] = (b, v, _) => AddCommands(b.ExecStartPost, Specifiers.Expand(v, b.Name)),
        [("Service", "ExecStop")] = (b, v, _) => AddCommands(b.ExecStop, Specifiers.Expand(v, b.Name)),
        [("Service", "ExecStopPost")] = (b, v, _) => AddCommands(b.ExecStopPost, Specifiers.Expand(v, b.Name)),
        [("Service", "ExecReload")] = (b, v, _) => AddCommands(b.ExecReload, Specifiers.Expand(v, b.Name)),
        [("Service", "PIDFile")] = (b, v, ctx) =>
        {
            b.PidFile = v.Length == 0 ? null
                : v.StartsWith('/') ? Specifiers.Expand(v, b.Name) : throw new UnitValueException("must be an absolute path");
            b.PidFileAt = (ctx.File, ctx.Entry.Line);
        },
        [("Service", "KillMode")] = (b, v, _) => b.KillMode = KillModeNames.TryParse(v, out var m)
            ? m : throw new UnitValueException("is not one of control-group, mixed, process, none"),
        [("Service", "RemainAfterExit")] = (b, v, _) => b.RemainAfterExit = ParseBool(v),
        [("Service", "NotifyAccess")] = (b, v, _) => b.NotifyAccess = NotifyAccessNames.TryParse(v, out var na)
            ? na : throw new UnitValueException($"is not one of {NotifyAccessNames.All}"),
        [("Service", "FileDescriptorStoreMax")] = (b, v, _) => b.FileDescriptorStoreMax =
            int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int max) && max <= 4096
                ? max : throw new UnitValueException("is not a number of descriptors from 0 to 4096"),
        [("Service", "WatchdogSec")] = (b, v, _) => b.WatchdogSec = TimeSpanParser.Parse(v) is var wd && wd != TimeSpan.MaxValue
            ? wd : TimeSpan.Zero, // infinity: no watchdog, as 0
        [("Service", "WatchdogSignal")] = (b, v, _) => b.WatchdogSignal = ParseSignal(v),
        [("Service", "ReloadSignal")] = (b, v, _) => b.ReloadSignal = ParseSignal(v),
        [("Service", "KillSignal")] = (b, v, _) => b.KillSignal = ParseSignal(v),
        [("Service", "FinalKillSignal")] = (b, v, _) => b.FinalKillSignal = ParseSignal(v),
        [("Service", "SendSIGKILL")] = (b, v, _) => b.SendSigkill = ParseBool(v),
        [("Service", "SendSIGHUP")] = (b, v, _) => b.SendSighup = ParseBool(v),
        [("Service", "TimeoutStartSec")] = (b, v, _) => b.TimeoutStart = ParseTimeout(v),
        [("Service", "TimeoutStopSec")] = (b, v, _) => b.TimeoutStop = ParseTimeout(v),
        [("Service", "TimeoutSec")] = (b, v, _) => b.TimeoutStart = b.TimeoutStop = ParseTimeout(v),
        [("Service", "User")] = (b, v, _) => b.User = v.Length == 0 ? null : ValidUserOrGroup(Specifiers.Expand(v, b.Name)),
        [("Service", "Group")] = (b, v, _) => b.Group = v.Length == 0 ? null : ValidUserOrGroup(Specifiers.Expand(v, b.Name)),
        [("Service", "SupplementaryGroups")] = (b, v, _) =>
        {
            if (v.Length == 0) { b.SupplementaryGroups.Clear(); return; }
            foreach (var g in Specifiers.Expand(v, b.Name).Split(' ', StringSplitOptions.RemoveEmptyEntries)) b.SupplementaryGroups.Add(ValidUserOrGroup(g));
        },
        [("Service", "WorkingDirectory")] = (b, v, _) =>
        {
            b.WorkingDirectoryOptional = v.StartsWith('-');
            string dir = Specifiers.Expand(b.WorkingDirectoryOptional ? v[1..] : v, b.Name);
            b.WorkingDirectory = dir.Length == 0 ? null
                : dir == "~" || dir.StartsWith('/') ? dir : throw new UnitValueException("must be an absolute path or ~");
        },
        [("Service", "Environment")] = (b, v, _) =>
        {
            if (v.Length == 0) { b.Environment.Clear(); return; }
            b.Environment.AddRange(EnvironmentParser.ParseAssignments(Specifiers.Expand(v, b.Name)));
        },
        [("Service", "EnvironmentFile")] = (b, v, _) =>
        {
            if (v.Length == 0) { b.EnvironmentFiles.Clear(); return; }
            bool optional = v.StartsWith('-');
            string path = Specifiers.Expand(optional ? v[1..] : v, b.Name);
            if (!path.StartsWith('/')) throw new UnitValueException("must be an absolute path");
            b.EnvironmentFiles.Add(new EnvironmentFileRef(path, optional));
        },
        [("Service", "RuntimeDirectoryPreserve")] = (b, v, _) => b.RuntimeDirectoryPreserve = v == "restart" ? RuntimeDirectoryPreserve.Restart
            : TryParseBool(v) switch
            {
                true => RuntimeDirectoryPreserve.Yes,
                false => RuntimeDirectoryPreserve.No,
                null => throw new UnitValueException("is not one of yes, no, restart"),
            },
        [("Service", "IgnoreSIGPIPE")] = (b, v, _) => b.IgnoreSigpipe = ParseBool(v),
        [("Service", "StandardInput")] = (b, v, ctx) =>
        {
            b.StandardInput = StandardIo.ParseInput(Specifiers.Expand(v, b.Name), out var unsupported);
            if (unsupported is not null) ctx.Warn(unsupported);
        },
        [("Service", "StandardOutput")] = (b, v, ctx) =>
        {
            b.StandardOutput = StandardIo.ParseOutput("StandardOutput", Specifiers.Expand(v, b.Name), out var unsupported);
            b.StandardOutputSet = true;
            if (unsupported is not null) ctx.Warn(unsupported);
        },
        [("Service", "StandardError")] = (b, v, ctx) =>
        {
            b.StandardError = StandardIo.ParseOutput("StandardError", Specifiers.Expand(v, b.Name), out var unsupported);
            if (unsupported is not null) ctx.Warn(unsupported);
        },
        [("Service", "StandardInputText")] = (b, v, _) => AddInputData(b, v.Length == 0 ? null : StandardIo.Text(Specifiers.Expand(v, b.Name))),
        [("Service", "StandardInputData")] = (b, v, _) => AddInputData(b, v.Length == 0 ? null : StandardIo.Base64(v)),
        [("Service", "ExecSearchPath")] = (b, v, _) =>
        {
            b.ExecSearchPath.Clear(); // each assignment replaces the path, as in systemd
            foreach (var dir in Specifiers.Expand(v, b.Name).Split(':', StringSplitOptions.RemoveEmptyEntries))
                b.ExecSearchPath.Add(dir.StartsWith('/') ? dir : throw new UnitValueException($"'{dir}' must be an absolute path"));
        },
        [("Service", "PassEnvironment")] = (b, v, _) => AddNames(b.PassEnvironment, v, allowValue: false),
        [("Service", "UnsetEnvironment")] = (b, v, _) => AddNames(b.UnsetEnvironment, v, allowValue: true),
        [("Service", "UMask")] = (b, v, _) => b.UMask = TryOctal(v, out int m) && m <= 0x1ff
            ? m : throw new UnitValueException("is not an octal mode between 0000 and 0777"),
        [("Service", "CapabilityBoundingSet")] = (b, v, _) => b.CapabilityBoundingSet = Capabilities.Merge(b.CapabilityBoundingSet, v),
        [("Service", "AmbientCapabilities")] = (b, v, _) => b.AmbientCapabilities = Capabilities.Merge(b.AmbientCapabilities ?? 0, v),
        [("Service", "NoNewPrivileges")] = (b, v, _) => b.NoNewPrivileges = ParseBool(v),
        [("Service", "DynamicUser")] = (b, v, _) => b.DynamicUser = ParseBool(v),
        [("Service", "RemoveIPC")] = (b, v, _) => b.RemoveIpc = ParseBool(v),
        [("Service", "KeyringMode")] = (b, v, _) => b.KeyringMode = v is "inherit" or "private" or "shared"
            ? v : throw new UnitValueException("is not one of inherit, private, shared"),
        [("Service", "SecureBits")] = (b, v, _) => b.SecureBits = v.Length == 0 ? 0 : v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Aggregate(b.SecureBits, (bits, w) => bits | (Capabilities.SecureBitNames.TryGetValue(w, out int bit) ? bit
                : throw new UnitValueException($"'{w}' is not one of {string.Join(", ", Capabilities.SecureBitNames.Keys)}"))),
        [("Service", "OOMScoreAdjust")] = (b, v, _) => b.OomScoreAdjust =
            int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= -1000 && n <= 1000
                ? n : throw new UnitValueException("is not an integer between -1000 and 1000"),
        [("Service", "Nice")] = (b, v, _) => b.Nice = int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n >= -20 && n <= 19
            ? n : throw new UnitValueException("is not an integer between -20 and 19"),
        [("Service", "CPUSchedulingPolicy")] = (b, v, _) => b.CpuSchedulingPolicy = v switch
        {
            "other" => 0, "fifo" => 1, "rr" => 2, "batch" => 3, "idle" => 5,
            _ => throw new UnitValueException("is not one of other, batch, idle, fifo, rr"),
        },
        [("Service", "CPUSchedulingPriority")] = (b, v, _) => b.CpuSchedulingPriority = int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 99
            ? p : throw new UnitValueException("is not an integer between 0 and 99"),
        [("Service", "CPUSchedulingResetOnFork")] = (b, v, _) => b.CpuSchedulingResetOnFork = ParseBool(v),
        [("Service", "IOSchedulingClass")] = (b, v, _) => b.IoSchedulingClass = v switch
        {
            "none" or "0" => 0, "realtime" or "1" => 1, "best-effort" or "2" => 2, "idle" or "3" => 3,
            _ => throw new UnitValueException("is not one of realtime, best-effort, idle, none"),
        },
        [("Service", "IOSchedulingPriority")] = (b, v, _) => b.IoSchedulingPriority = int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 7
            ? p : throw new UnitValueException("is not an integer between 0 and 7"),
        [("Service", "TasksMax")] = (b, v, _) => b.TasksMax = LimitValue.ParseCount(v),
        [("Service", "MemoryMax")] = (b, v, _) => b.MemoryMax = LimitValue.ParseBytes(v),
        [("X-Corral", "KillEscaped")] = (b, v, _) => b.KillEscaped = ParseBool(v),
        [("X-Corral", "LogMaxBytes")] = (b, v, _) => b.LogMaxBytes = LimitValue.ParseBytes(v) is { Kind: LimitKind.Absolute, Value: >= 4096 } lv
            ? (long)lv.Value : throw new UnitValueException("is not a size of at least 4K (examples: 10M, 512K)"),
        [("X-Corral", "LogBackups")] = (b, v, _) => b.LogBackups =
            int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int lb) && lb <= 1000
                ? lb : throw new UnitValueException("is not a number of files between 0 and 1000"),
        [("X-Corral", "ZombieMax")] = (b, v, _) => b.ZombieMax = v is "" or "infinity" ? null
            : int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int z) ? z
            : throw new UnitValueException("is not a number of zombies (or 'infinity')"),
        [("X-Corral", "ZombieAction")] = (b, v, _) => b.ZombieAction = Zombies.ZombieActionNames.TryParse(v, out var za)
            ? za : throw new UnitValueException("is not one of none, restart, stop"),
        [("Service", "SuccessExitStatus")] = (b, v, _) => AddExitStatuses(b.SuccessCodes, b.SuccessSignals, v),
        [("Service", "Restart")] = (b, v, _) => b.Restart = State.RestartPolicyNames.TryParse(v, out var rp)
            ? rp : throw new UnitValueException($"is not one of {State.RestartPolicyNames.All}"),
        [("Service", "RestartSec")] = (b, v, _) => b.RestartSec = TimeSpanParser.Parse(v) is var rs && rs != TimeSpan.MaxValue
            ? rs : throw new UnitValueException("is not a finite time span"),
        [("Service", "RestartSteps")] = (b, v, _) => b.RestartSteps =
            int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int steps) && steps <= 3600
                ? steps : throw new UnitValueException("is not a number of steps between 0 and 3600"),
        [("Service", "RestartMaxDelaySec")] = (b, v, _) => b.RestartMaxDelay = TimeSpanParser.Parse(v),
        [("Service", "RestartPreventExitStatus")] = (b, v, _) => AddExitStatuses(b.PreventCodes, b.PreventSignals, v),
        [("Unit", "StartLimitIntervalSec")] = (b, v, _) => b.StartLimitInterval = TimeSpanParser.Parse(v),
        [("Unit", "StartLimitBurst")] = (b, v, _) => b.StartLimitBurst = StartBurst(v),
        // The old spellings, which systemd still reads and Debian's docker unit still uses.
        [("Unit", "StartLimitInterval")] = (b, v, _) => b.StartLimitInterval = TimeSpanParser.Parse(v),
        [("Service", "StartLimitInterval")] = (b, v, _) => b.StartLimitInterval = TimeSpanParser.Parse(v),
        [("Service", "StartLimitBurst")] = (b, v, _) => b.StartLimitBurst = StartBurst(v),
    })))));

    private static int StartBurst(string v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int burst)
        ? burst : throw new UnitValueException("is not a number of starts");

    /// <summary>Every Limit*= directive (LimitNOFILE= …), each parsed in its own unit; an empty value drops the unit's own.</summary>
    private static Dictionary<(string Section, string Key), Apply> WithLimits(Dictionary<(string Section, string Key), Apply> directives)
    {
        foreach (var (name, unit) in RLimit.Directives)
            directives[("Service", "Limit" + name)] = (b, v, _) =>
            {
                if (v.Length == 0) b.Limits.Remove(name);
                else b.Limits[name] = RLimit.Parse(v, unit);
            };
        foreach (var test in UnitCondition.Kinds)
        {
            // An empty assignment resets every condition (or every assertion) before it, as in systemd.
            directives[("Unit", "Condition" + test)] = (b, v, _) =>
            {
                if (v.Length == 0) b.Conditions.Clear();
                else b.Conditions.Add(UnitCondition.Parse(test, Specifiers.Expand(v, b.Name), isAssert: false));
            };
            directives[("Unit", "Assert" + test)] = (b, v, _) =>
            {
                if (v.Length == 0) b.Asserts.Clear();
                else b.Asserts.Add(UnitCondition.Parse(test, Specifiers.Expand(v, b.Name), isAssert: true));
            };
        }
        foreach (var kind in ExecDirectoryKinds.All)
        {
            directives[("Service", kind.Directive())] = (b, v, ctx) => AddDirectories(b, kind, Specifiers.Expand(v, b.Name), ctx);
            directives[("Service", kind.Directive() + "Mode")] = (b, v, _) => b.DirectoryModes[kind] = TryOctal(v, out int m) && m <= 0xfff
                ? m : throw new UnitValueException("is not an octal mode between 0000 and 7777");
        }
        return directives;
    }

    /// <summary>StandardInputText=/StandardInputData=: appended to the data given as input (an empty value resets it); at most 64 MiB.</summary>
    private static void AddInputData(Builder b, byte[]? data)
    {
        if (data is null) { b.StandardInputData.Clear(); return; }
        if (b.StandardInputData.Count + data.Length > StandardIo.MaxInputData)
            throw new UnitValueException($"makes the input data larger than {StandardIo.MaxInputData >> 20} MiB");
        b.StandardInputData.AddRange(data);
    }

    /// <summary>PassEnvironment= and UnsetEnvironment=: variable names (UnsetEnvironment= also NAME=VALUE); empty resets.</summary>
    private static void AddNames(List<string> list, string v, bool allowValue)
    {
        if (v.Length == 0) { list.Clear(); return; }
        foreach (var word in WordSplitter.Split(v))
        {
            int eq = word.IndexOf('=');
            string name = eq >= 0 && allowValue ? word[..eq] : word;
            if (!EnvironmentParser.IsValidName(name)) throw new UnitValueException($"'{word}' is not a variable name{(allowValue ? " or NAME=VALUE" : "")}");
            list.Add(word);
        }
    }

    /// <summary>RuntimeDirectory= and its kin: relative paths separated by spaces; empty resets.</summary>
    private static void AddDirectories(Builder b, ExecDirectoryKind kind, string v, Context ctx)
    {
        if (!b.Directories.TryGetValue(kind, out var list)) b.Directories[kind] = list = [];
        if (v.Length == 0) { list.Clear(); return; }
        foreach (var word in WordSplitter.Split(v))
        {
            string path = word;
            // systemd 250's "DIR:LINK" also makes a symlink LINK to DIR; Corral makes the directory only.
            int colon = word.IndexOf(':');
            if (colon >= 0)
            {
                path = word[..colon];
                ctx.Warn($"the symbolic link of '{word}' is not made (Corral makes the directory {path} only)");
            }
            list.Add(ExecDirectoryKinds.CheckRelative(path));
        }
    }

    /// <summary>SuccessExitStatus= and RestartPreventExitStatus=: exit codes and signal names; empty resets.</summary>
    private static void AddExitStatuses(HashSet<int> codes, HashSet<int> signals, string v)
    {
        if (v.Length == 0) { codes.Clear(); signals.Clear(); return; }
        foreach (var w in v.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(w, NumberStyles.None, CultureInfo.InvariantCulture, out int code) && code <= 255) codes.Add(code);
            else if (!char.IsAsciiDigit(w[0]) && SignalNames.TryParse(w, out int sig)) signals.Add(sig);
            else throw new UnitValueException($"'{w}' is neither an exit code 0-255 nor a signal name");
        }
    }

    private static T WarnAndUse<T>(Context ctx, string message, T value)
    {
        ctx.Warn(message);
        return value;
    }

    private static string ValidUserOrGroup(string v)
    {
        foreach (char c in v)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' || c == '$'))
                throw new UnitValueException($"'{v}' is not a valid user or group name");
        return v;
    }

    private static bool TryOctal(string v, out int value)
    {
        value = 0;
        if (v.Length == 0 || v.Length > 4) return false;
        foreach (char c in v)
        {
            if (c < '0' || c > '7') return false;
            value = value * 8 + (c - '0');
        }
        return true;
    }
}
