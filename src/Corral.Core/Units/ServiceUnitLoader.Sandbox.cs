namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    /// <summary>The sandboxing directives read so far; lists append, an empty value resets (systemd.exec(5)).</summary>
    private sealed class SandboxBuilder
    {
        public ProtectSystem ProtectSystem;
        public ProtectHome ProtectHome;
        public bool PrivateTmp, PrivateDevices, PrivateMounts, ProtectKernelTunables, ProtectKernelModules, ProtectKernelLogs, ProtectControlGroups, ProtectClock;
        public bool PrivateNetwork, PrivateIpc, ProtectHostname, PrivateUsers;
        public string ProtectProc = "default", ProcSubset = "all";
        public string? NetworkNamespacePath, IpcNamespacePath, MountPropagation, RootDirectory;
        public bool MountApiVfs;
        public readonly List<SandboxPath> ReadWrite = [], ReadOnly = [], Inaccessible = [], Exec = [], NoExec = [];
        public readonly List<BindMount> Binds = [];
        public readonly List<TemporaryFileSystem> Tmpfs = [];
        public bool? AllowList;
        public readonly HashSet<string> Calls = new(StringComparer.Ordinal);
        public int? ErrorNumber;
        public bool NativeOnly, MemoryDenyWriteExecute, RestrictRealtime, RestrictSuidSgid, LockPersonality;
        public ulong DeniedNamespaces;
        public bool? FamiliesAllowList, LogListed;
        public readonly HashSet<string> LogCalls = new(StringComparer.Ordinal);
        public readonly HashSet<int> Families = [];

        public Sandbox Build() => new()
        {
            ProtectSystem = ProtectSystem, ProtectHome = ProtectHome, PrivateTmp = PrivateTmp, PrivateDevices = PrivateDevices,
            PrivateMounts = PrivateMounts, ProtectKernelTunables = ProtectKernelTunables, ProtectKernelModules = ProtectKernelModules,
            ProtectKernelLogs = ProtectKernelLogs, ProtectControlGroups = ProtectControlGroups, ProtectClock = ProtectClock, ProtectProc = ProtectProc, ProcSubset = ProcSubset,
            ReadWritePaths = [.. ReadWrite], ReadOnlyPaths = [.. ReadOnly], InaccessiblePaths = [.. Inaccessible],
            ExecPaths = [.. Exec], NoExecPaths = [.. NoExec], BindPaths = [.. Binds], TemporaryFileSystems = [.. Tmpfs],
            PrivateUsers = PrivateUsers, PrivateNetwork = PrivateNetwork, PrivateIpc = PrivateIpc, ProtectHostname = ProtectHostname, NetworkNamespacePath = NetworkNamespacePath,
            IpcNamespacePath = IpcNamespacePath, MountPropagation = MountPropagation,
            RootDirectory = RootDirectory, MountApiVfs = MountApiVfs,
            Filter = new SyscallFilter
            {
                AllowList = AllowList, Calls = new HashSet<string>(Calls, StringComparer.Ordinal), ErrorNumber = ErrorNumber, NativeOnly = NativeOnly,
                DeniedNamespaces = DeniedNamespaces, AddressFamilies = FamiliesAllowList is { } allow ? (allow, new HashSet<int>(Families)) : null,
                MemoryDenyWriteExecute = MemoryDenyWriteExecute, RestrictRealtime = RestrictRealtime, RestrictSuidSgid = RestrictSuidSgid,
                LockPersonality = LockPersonality,
                LogListed = LogListed, LogCalls = new HashSet<string>(LogCalls, StringComparer.Ordinal),
            },
        };
    }

    /// <summary>The sandboxing directives, added to the directive table.</summary>
    private static Dictionary<(string Section, string Key), Apply> WithSandbox(Dictionary<(string Section, string Key), Apply> d)
    {
        d[("Service", "ProtectSystem")] = (b, v, _) => b.Sandboxing.ProtectSystem = v switch
        {
            "full" => ProtectSystem.Full,
            "strict" => ProtectSystem.Strict,
            _ => TryParseBool(v) switch
            {
                true => ProtectSystem.Yes,
                false => ProtectSystem.No,
                null => throw new UnitValueException("is not one of yes, no, full, strict"),
            },
        };
        d[("Service", "ProtectHome")] = (b, v, _) => b.Sandboxing.ProtectHome = v switch
        {
            "read-only" => ProtectHome.ReadOnly,
            "tmpfs" => ProtectHome.Tmpfs,
            _ => TryParseBool(v) switch
            {
                true => ProtectHome.Yes,
                false => ProtectHome.No,
                null => throw new UnitValueException("is not one of yes, no, read-only, tmpfs"),
            },
        };
        // "disconnected" (systemd 256) gives a /tmp of its own too; Corral's is always the run's own directory.
        d[("Service", "PrivateUsers")] = (b, v, _) => b.Sandboxing.PrivateUsers = ParseBool(v);
        d[("Service", "PrivateTmp")] = (b, v, _) => b.Sandboxing.PrivateTmp = v == "disconnected" || ParseBool(v);
        d[("Service", "PrivateDevices")] = (b, v, _) => b.Sandboxing.PrivateDevices = ParseBool(v);
        d[("Service", "PrivateMounts")] = (b, v, _) => b.Sandboxing.PrivateMounts = ParseBool(v);
        d[("Service", "ProtectKernelTunables")] = (b, v, _) => b.Sandboxing.ProtectKernelTunables = ParseBool(v);
        d[("Service", "ProtectKernelModules")] = (b, v, _) => b.Sandboxing.ProtectKernelModules = ParseBool(v);
        d[("Service", "ProtectKernelLogs")] = (b, v, _) => b.Sandboxing.ProtectKernelLogs = ParseBool(v);
        d[("Service", "ProtectControlGroups")] = (b, v, _) => b.Sandboxing.ProtectControlGroups = ParseBool(v);
        d[("Service", "ProtectClock")] = (b, v, _) => b.Sandboxing.ProtectClock = ParseBool(v);
        d[("Service", "ProtectProc")] = (b, v, _) => b.Sandboxing.ProtectProc = v is "default" or "invisible" or "ptraceable" or "noaccess"
            ? v : throw new UnitValueException("is not one of default, invisible, ptraceable, noaccess");
        d[("Service", "ProcSubset")] = (b, v, _) => b.Sandboxing.ProcSubset = v is "all" or "pid"
            ? v : throw new UnitValueException("is not one of all, pid");
        d[("Service", "PrivateNetwork")] = (b, v, _) => b.Sandboxing.PrivateNetwork = ParseBool(v);
        d[("Service", "PrivateIPC")] = (b, v, _) => b.Sandboxing.PrivateIpc = ParseBool(v);
        d[("Service", "ProtectHostname")] = (b, v, _) => b.Sandboxing.ProtectHostname = ParseBool(v);
        d[("Service", "NetworkNamespacePath")] = (b, v, _) => b.Sandboxing.NetworkNamespacePath =
            v.Length == 0 ? null : CheckPath(Specifiers.Expand(v, b.Name));
        // The host's / is no root directory of its own: as unset (systemd's empty_or_root).
        d[("Service", "RootDirectory")] = (b, v, _) => b.Sandboxing.RootDirectory =
            v.Length == 0 || CheckPath(Specifiers.Expand(v, b.Name)) == "/" ? null : CheckPath(Specifiers.Expand(v, b.Name));
        d[("Service", "MountAPIVFS")] = (b, v, _) => b.Sandboxing.MountApiVfs = ParseBool(v);
        d[("Service", "IPCNamespacePath")] = (b, v, _) => b.Sandboxing.IpcNamespacePath =
            v.Length == 0 ? null : CheckPath(Specifiers.Expand(v, b.Name));
        d[("Service", "MountFlags")] = (b, v, _) => b.Sandboxing.MountPropagation = v switch
        {
            "" => null,
            "shared" or "slave" or "private" => v,
            _ => throw new UnitValueException("is not one of shared, slave, private"),
        };
        foreach (var (key, list) in new (string, Func<SandboxBuilder, List<SandboxPath>>)[]
        {
            ("ReadWritePaths", s => s.ReadWrite), ("ReadOnlyPaths", s => s.ReadOnly), ("InaccessiblePaths", s => s.Inaccessible),
            ("ExecPaths", s => s.Exec), ("NoExecPaths", s => s.NoExec),
            // The names before systemd 231, still read by it.
            ("ReadWriteDirectories", s => s.ReadWrite), ("ReadOnlyDirectories", s => s.ReadOnly), ("InaccessibleDirectories", s => s.Inaccessible),
        })
        {
            d[("Service", key)] = (b, v, _) => AddPaths(list(b.Sandboxing), Specifiers.Expand(v, b.Name));
        }
        d[("Service", "BindPaths")] = (b, v, _) => AddBinds(b.Sandboxing.Binds, Specifiers.Expand(v, b.Name), readOnly: false);
        d[("Service", "BindReadOnlyPaths")] = (b, v, _) => AddBinds(b.Sandboxing.Binds, Specifiers.Expand(v, b.Name), readOnly: true);
        d[("Service", "TemporaryFileSystem")] = (b, v, _) =>
        {
            if (v.Length == 0) { b.Sandboxing.Tmpfs.Clear(); return; }
            foreach (var word in WordSplitter.Split(Specifiers.Expand(v, b.Name)))
            {
                int colon = word.IndexOf(':');
                string path = CheckPath(colon < 0 ? word : word[..colon]);
                string options = colon < 0 ? "" : word[(colon + 1)..];
                if (options.Any(char.IsControl)) throw new UnitValueException($"'{word}': the options have a control character");
                b.Sandboxing.Tmpfs.Add(new TemporaryFileSystem(path, options));
            }
        };
        d[("Service", "SystemCallFilter")] = (b, v, _) => SyscallDirectives.AddCalls(b.Sandboxing, Specifiers.Expand(v, b.Name));
        d[("Service", "SystemCallErrorNumber")] = (b, v, _) => b.Sandboxing.ErrorNumber = SyscallDirectives.ErrorNumber(v);
        d[("Service", "SystemCallArchitectures")] = (b, v, _) => b.Sandboxing.NativeOnly = SyscallDirectives.NativeOnly(v);
        d[("Service", "RestrictNamespaces")] = (b, v, _) => b.Sandboxing.DeniedNamespaces = SyscallDirectives.DeniedNamespaces(b.Sandboxing.DeniedNamespaces, v);
        d[("Service", "RestrictAddressFamilies")] = (b, v, _) => SyscallDirectives.AddFamilies(b.Sandboxing, v);
        d[("Service", "MemoryDenyWriteExecute")] = (b, v, _) => b.Sandboxing.MemoryDenyWriteExecute = ParseBool(v);
        d[("Service", "RestrictRealtime")] = (b, v, _) => b.Sandboxing.RestrictRealtime = ParseBool(v);
        d[("Service", "SystemCallLog")] = (b, v, _) => SyscallDirectives.AddLogged(b.Sandboxing, v);
        d[("Service", "RestrictSUIDSGID")] = (b, v, _) => b.Sandboxing.RestrictSuidSgid = ParseBool(v);
        d[("Service", "LockPersonality")] = (b, v, _) => b.Sandboxing.LockPersonality = ParseBool(v);
        return d;
    }

    /// <summary>A path of a sandboxing directive: absolute, no ".." component, no control character. Returns it normalized ("//a/./b/" is "/a/b").</summary>
    private static string CheckPath(string path)
    {
        if (!path.StartsWith('/')) throw new UnitValueException($"'{path}' must be an absolute path");
        if (path.Any(char.IsControl)) throw new UnitValueException($"'{path}' has a control character");
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Contains("..")) throw new UnitValueException($"'{path}' has a '..' component");
        return "/" + string.Join('/', parts);
    }

    /// <summary>ReadOnlyPaths= and its kin: space-separated paths, each with '-' (may be missing) and '+' (ignored: no RootDirectory=) before it.</summary>
    private static void AddPaths(List<SandboxPath> list, string value)
    {
        if (value.Length == 0) { list.Clear(); return; }
        foreach (var word in WordSplitter.Split(value))
        {
            string w = word;
            bool optional = false;
            while (w.Length > 0 && w[0] is '-' or '+')
            {
                optional |= w[0] == '-';
                w = w[1..];
            }
            list.Add(new SandboxPath(CheckPath(w), optional));
        }
    }

    /// <summary>
    /// BindPaths=: space-separated "[-]SOURCE[:DESTINATION[:OPTIONS]]", OPTIONS rbind (the default) or
    /// norbind. The value's own escapes are decoded first (WordSplitter: "\:" is already a plain
    /// colon, a separator), so a colon inside a path is written "\\:".
    /// </summary>
    private static void AddBinds(List<BindMount> list, string value, bool readOnly)
    {
        if (value.Length == 0) { list.Clear(); return; }
        foreach (var word in WordSplitter.Split(value))
        {
            var parts = SplitColons(word);
            if (parts.Count > 3) throw new UnitValueException($"'{word}' is not SOURCE[:DESTINATION[:OPTIONS]]");
            string source = parts[0];
            bool optional = source.StartsWith('-');
            if (optional) source = source[1..];
            source = CheckPath(source);
            string destination = parts.Count > 1 ? CheckPath(parts[1]) : source;
            bool recursive = parts.Count < 3 ? true : parts[2] switch
            {
                "rbind" or "" => true,
                "norbind" => false,
                _ => throw new UnitValueException($"'{word}': option '{parts[2]}' is not rbind or norbind"),
            };
            list.Add(new BindMount(source, destination, readOnly, recursive, optional));
        }
    }

    private static List<string> SplitColons(string word)
    {
        var parts = new List<string>();
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < word.Length; i++)
        {
            if (word[i] == '\\' && i + 1 < word.Length && word[i + 1] == ':') { sb.Append(':'); i++; }
            else if (word[i] == ':') { parts.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(word[i]);
        }
        parts.Add(sb.ToString());
        return parts;
    }
}
