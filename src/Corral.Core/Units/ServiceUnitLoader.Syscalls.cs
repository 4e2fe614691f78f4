namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    /// <summary>The values of the system-call filter's directives, read as systemd reads them.</summary>
    private static class SyscallDirectives
    {
        /// <summary>
        /// SystemCallFilter=: names and @groups, space-separated, '~' first for a deny list. The first
        /// line decides which the filter is; a later line of the other kind takes its calls back out.
        /// An allow list starts from @default, as systemd's does (what any process needs: exit,
        /// mmap, futex, ...), so a later '~' line can take those out too. An empty value resets.
        /// A ":ERRNO" after a name is read and the filter's own errno used.
        /// </summary>
        public static void AddCalls(SandboxBuilder s, string value)
        {
            if (value.Length == 0) { s.AllowList = null; s.Calls.Clear(); return; }
            bool deny = value.StartsWith('~');
            var calls = Names(value.TrimStart('~'));
            if (s.AllowList is null && !deny) s.Calls.UnionWith(SyscallGroups.Expand("@default")!);
            s.AllowList ??= !deny;
            if (s.AllowList == !deny) s.Calls.UnionWith(calls);
            else s.Calls.ExceptWith(calls);
        }

        /// <summary>
        /// SystemCallLog=: names and @groups; with '~' first, every call but those. As SystemCallFilter=,
        /// the first line decides which, a later line of the other kind takes calls back; empty resets.
        /// </summary>
        public static void AddLogged(SandboxBuilder s, string value)
        {
            if (value.Length == 0) { s.LogListed = null; s.LogCalls.Clear(); return; }
            bool inverted = value.StartsWith('~');
            var calls = Names(value.TrimStart('~'));
            s.LogListed ??= !inverted;
            if (s.LogListed == !inverted) s.LogCalls.UnionWith(calls);
            else s.LogCalls.ExceptWith(calls);
        }

        /// <summary>Names and @groups expanded; an unknown one is an error naming it.</summary>
        private static HashSet<string> Names(string words)
        {
            var calls = new HashSet<string>(StringComparer.Ordinal);
            foreach (var word in words.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            {
                string name = word.Split(':')[0];
                if (name.StartsWith('@'))
                    calls.UnionWith(SyscallGroups.Expand(name) ?? throw new UnitValueException(
                        $"'{name}' is not a system-call group (one of {string.Join(", ", SyscallGroups.Names)})"));
                else if (SyscallGroups.IsSystemCall(name)) calls.Add(name);
                else throw new UnitValueException($"'{name}' is not a system call (`systemd-analyze syscall-filter @known` lists them)");
            }
            return calls;
        }

        private static readonly Dictionary<string, int> Errnos = new(StringComparer.Ordinal)
        {
            ["EPERM"] = 1, ["ENOENT"] = 2, ["ESRCH"] = 3, ["EINTR"] = 4, ["EIO"] = 5, ["ENXIO"] = 6, ["E2BIG"] = 7, ["ENOEXEC"] = 8,
            ["EBADF"] = 9, ["ECHILD"] = 10, ["EAGAIN"] = 11, ["ENOMEM"] = 12, ["EACCES"] = 13, ["EFAULT"] = 14, ["EBUSY"] = 16,
            ["EEXIST"] = 17, ["EXDEV"] = 18, ["ENODEV"] = 19, ["ENOTDIR"] = 20, ["EISDIR"] = 21, ["EINVAL"] = 22, ["ENFILE"] = 23,
            ["EMFILE"] = 24, ["ENOTTY"] = 25, ["EFBIG"] = 27, ["ENOSPC"] = 28, ["ESPIPE"] = 29, ["EROFS"] = 30, ["EMLINK"] = 31,
            ["EPIPE"] = 32, ["ENOSYS"] = 38, ["ENOTSOCK"] = 88, ["EPROTONOSUPPORT"] = 93, ["EOPNOTSUPP"] = 95, ["ENOTSUP"] = 95,
            ["EAFNOSUPPORT"] = 97, ["ECONNREFUSED"] = 111,
        };

        /// <summary>SystemCallErrorNumber=: an errno name or number (1–4095); "kill" or empty: killed by SIGSYS (the default).</summary>
        public static int? ErrorNumber(string v)
        {
            if (v.Length == 0 || v == "kill") return null;
            if (Errnos.TryGetValue(v, out int e)) return e;
            if (int.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out e) && e is >= 1 and <= 4095) return e;
            throw new UnitValueException("is not an errno name (EPERM, EACCES, ENOSYS, ...), a number from 1 to 4095, or kill");
        }

        /// <summary>SystemCallArchitectures=: "native" (or this machine's own name); the calls of any other ABI are refused.</summary>
        public static bool NativeOnly(string v)
        {
            string own = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x86-64";
            var words = v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            foreach (var w in words)
                if (w != "native" && w != own)
                    throw new UnitValueException($"'{w}' cannot be allowed: Corral filters for this machine's own architecture only (native, {own})");
            return words.Length > 0;
        }

        private static readonly Dictionary<string, ulong> Namespaces = new(StringComparer.Ordinal)
        {
            ["cgroup"] = 0x02000000, ["ipc"] = 0x08000000, ["net"] = 0x40000000, ["mnt"] = 0x00020000,
            ["pid"] = 0x20000000, ["user"] = 0x10000000, ["uts"] = 0x04000000, ["time"] = 0x00000080,
        };

        private static ulong AllNamespaces => Namespaces.Values.Aggregate(0UL, (a, b) => a | b);

        /// <summary>RestrictNamespaces=: yes (none may be made or joined), no, or the types allowed ('~': the types refused); lines merge.</summary>
        public static ulong DeniedNamespaces(ulong current, string v)
        {
            if (TryParseBool(v) is { } all) return all ? AllNamespaces : 0;
            bool invert = v.StartsWith('~');
            ulong named = 0;
            foreach (var w in v.TrimStart('~').Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                named |= Namespaces.TryGetValue(w, out var bit) ? bit
                    : throw new UnitValueException($"'{w}' is not a namespace type (cgroup, ipc, net, mnt, pid, user, uts, time)");
            return invert ? current | named : current == 0 ? AllNamespaces & ~named : current & ~named;
        }

        private static readonly Dictionary<string, int> Families = new(StringComparer.Ordinal)
        {
            ["AF_UNIX"] = 1, ["AF_LOCAL"] = 1, ["AF_INET"] = 2, ["AF_AX25"] = 3, ["AF_IPX"] = 4, ["AF_APPLETALK"] = 5, ["AF_X25"] = 9,
            ["AF_INET6"] = 10, ["AF_KEY"] = 15, ["AF_NETLINK"] = 16, ["AF_PACKET"] = 17, ["AF_CAN"] = 29, ["AF_TIPC"] = 30,
            ["AF_BLUETOOTH"] = 31, ["AF_ALG"] = 38, ["AF_NFC"] = 39, ["AF_VSOCK"] = 40, ["AF_QIPCRTR"] = 42, ["AF_XDP"] = 44,
        };

        /// <summary>RestrictAddressFamilies=: the families socket(2) may make, '~' first for those it may not, "none" for none; lines merge.</summary>
        public static void AddFamilies(SandboxBuilder s, string v)
        {
            if (v.Length == 0) { s.FamiliesAllowList = null; s.Families.Clear(); return; }
            if (v == "none") { s.FamiliesAllowList = true; s.Families.Clear(); return; }
            bool deny = v.StartsWith('~');
            var named = new HashSet<int>();
            foreach (var w in v.TrimStart('~').Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
                named.Add(Families.TryGetValue(w, out int f) ? f : throw new UnitValueException($"'{w}' is not an address family (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, ...)"));
            s.FamiliesAllowList ??= !deny;
            if (s.FamiliesAllowList == !deny) s.Families.UnionWith(named);
            else s.Families.ExceptWith(named);
        }
    }
}
