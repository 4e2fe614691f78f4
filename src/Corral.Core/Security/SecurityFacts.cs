using Corral.Core.Units;

namespace Corral.Core.Security;

/// <summary>Which reading of a unit an assessment is of.</summary>
public enum SecurityReading
{
    /// <summary>What systemd would make of the file: every directive it sets, and what systemd implies from them.</summary>
    Systemd,
    /// <summary>What Corral does with it on this host: directives it does not enforce count as unset.</summary>
    Corral,
}

/// <summary>
/// What `systemd-analyze security` looks at in a service, read from a loaded unit (where DynamicUser=
/// has already implied its strict file system, as the loader does it). Two readings:
/// systemd's (the directives Corral only reads count too, with what systemd derives from them —
/// PrivateDevices= a closed device policy), and
/// Corral's own (those directives do nothing; every mount namespace Corral makes is a slave, so a
/// sandboxed service cannot install mounts on the host).
/// </summary>
public sealed record SecurityFacts
{
    public string? User { get; init; }
    public bool DynamicUser { get; init; }
    public bool HasSupplementaryGroups { get; init; }
    public bool PrivateDevices { get; init; }
    public bool PrivateMounts { get; init; }
    public bool PrivateNetwork { get; init; }
    public bool PrivateTmp { get; init; }
    public bool PrivateUsers { get; init; }
    public bool ProtectControlGroups { get; init; }
    public bool ProtectKernelModules { get; init; }
    public bool ProtectKernelTunables { get; init; }
    public bool ProtectKernelLogs { get; init; }
    public bool ProtectClock { get; init; }
    public bool ProtectHostname { get; init; }
    public ProtectHome ProtectHome { get; init; }
    public ProtectSystem ProtectSystem { get; init; }
    /// <summary>RootDirectory=/RootImage= name something other than the host's /.</summary>
    public bool OwnRoot { get; init; }
    public bool LockPersonality { get; init; }
    public bool MemoryDenyWriteExecute { get; init; }
    public bool NoNewPrivileges { get; init; }
    /// <summary>The bounding set after what the sandbox drops (all bits when not set).</summary>
    public ulong BoundingSet { get; init; } = ulong.MaxValue;
    public ulong AmbientCapabilities { get; init; }
    public int UMask { get; init; } = 0x12; // 0022
    public string KeyringMode { get; init; } = "private";
    public string ProtectProc { get; init; } = "default";
    public string ProcSubset { get; init; } = "all";
    public NotifyAccess NotifyAccess { get; init; }
    public bool RemoveIpc { get; init; }
    public bool Delegate { get; init; }
    public bool RestrictRealtime { get; init; }
    public bool RestrictSuidSgid { get; init; }
    /// <summary>CLONE_NEW* bits the service may not use (0: none refused).</summary>
    public ulong DeniedNamespaces { get; init; }
    public (bool AllowList, IReadOnlySet<int> Families)? AddressFamilies { get; init; }
    public bool NativeOnly { get; init; }
    /// <summary>SystemCallFilter=: null when not set, else whether Calls is an allow list.</summary>
    public bool? SyscallAllowList { get; init; }
    public IReadOnlySet<string> Calls { get; init; } = new HashSet<string>();
    /// <summary>IPAddressDeny= covers every IPv4 and IPv6 address.</summary>
    public bool IpDenyAll { get; init; }
    public bool IpAllowLocalhost { get; init; }
    public bool IpAllowOther { get; init; }
    /// <summary>DevicePolicy= is closed or strict.</summary>
    public bool DevicesClosed { get; init; }
    public IReadOnlyList<string> DeviceAllow { get; init; } = [];
    public bool DefaultDependencies { get; init; } = true;
    /// <summary>Whether a system call exists on this machine's architecture (systemd skips the others when it judges a filter).</summary>
    public Func<string, bool> CallExists { get; init; } = _ => true;

    /// <summary>Runs as root: User= unset (and no DynamicUser=), root or 0.</summary>
    public bool RunsPrivileged => User is "root" or "0" || (!DynamicUser && string.IsNullOrEmpty(User));

    /// <summary>The facts of a unit in one reading.</summary>
    public static SecurityFacts Of(ServiceUnit u, SecurityReading reading)
    {
        var s = u.Sandbox;
        var f = s.Filter;
        var facts = new SecurityFacts
        {
            User = u.User,
            DynamicUser = u.DynamicUser,
            RemoveIpc = u.RemoveIpc,
            HasSupplementaryGroups = u.SupplementaryGroups.Count > 0,
            PrivateDevices = s.PrivateDevices,
            // Corral makes every mount of a service's namespace a slave: nothing it mounts reaches the host.
            PrivateMounts = s.PrivateMounts || (reading == SecurityReading.Corral && s.HasMountNamespace),
            PrivateNetwork = s.PrivateNetwork,
            PrivateTmp = s.PrivateTmp,
            PrivateUsers = s.PrivateUsers,
            ProtectControlGroups = s.ProtectControlGroups,
            ProtectKernelModules = s.ProtectKernelModules,
            ProtectKernelTunables = s.ProtectKernelTunables,
            ProtectKernelLogs = s.ProtectKernelLogs,
            ProtectClock = s.ProtectClock,
            ProtectHostname = s.ProtectHostname,
            ProtectHome = s.ProtectHome,
            ProtectSystem = s.ProtectSystem,
            OwnRoot = s.RootDirectory is not null,
            LockPersonality = f.LockPersonality,
            MemoryDenyWriteExecute = f.MemoryDenyWriteExecute,
            NoNewPrivileges = u.NoNewPrivileges,
            BoundingSet = (u.CapabilityBoundingSet ?? ulong.MaxValue) & ~s.DroppedCapabilities,
            AmbientCapabilities = u.AmbientCapabilities,
            UMask = u.UMask ?? 0x12,
            KeyringMode = u.KeyringMode,
            ProtectProc = s.ProtectProc,
            ProcSubset = s.ProcSubset,
            NotifyAccess = u.NotifyAccess,
            RestrictRealtime = f.RestrictRealtime,
            RestrictSuidSgid = f.RestrictSuidSgid,
            DeniedNamespaces = f.DeniedNamespaces,
            AddressFamilies = f.AddressFamilies,
            NativeOnly = f.NativeOnly,
            SyscallAllowList = f.AllowList,
            Calls = f.Calls,
            DefaultDependencies = u.Dependencies.DefaultDependencies,
        };
        return reading == SecurityReading.Systemd ? WithNotEnforced(facts, u.NotEnforcedSettings) : facts;
    }

    /// <summary>The directives Corral only reads, applied as systemd applies them, then what systemd derives.</summary>
    private static SecurityFacts WithNotEnforced(SecurityFacts facts, IReadOnlyList<KeyValuePair<string, string>> settings)
    {
        string? Last(string key)
        {
            string? v = null;
            foreach (var (k, value) in settings) if (k == key) v = value.Trim();
            return v;
        }
        List<string> List(string key, bool words)
        {
            var list = new List<string>();
            foreach (var (k, value) in settings)
            {
                if (k != key) continue;
                if (value.Trim().Length == 0) list.Clear();
                else if (words) list.AddRange(value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                else list.Add(value.Trim());
            }
            return list;
        }

        string devicePolicy = Last("DevicePolicy") is { Length: > 0 } p ? p : "auto";
        var deviceAllow = List("DeviceAllow", words: false)
            .Select(d => d.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries))
            .Select(w => w.Length == 2 ? $"{w[0]}:{w[1]}" : $"{w[0]}:rwm").ToList();
        // systemd's own additions when it loads the unit (unit_patch_contexts).
        if (facts.PrivateDevices && devicePolicy == "auto") devicePolicy = "closed";
        if (facts.ProtectClock) deviceAllow.Add("char-rtc:r");
        var (denyAll, allowLocal, allowOther) = IpAccess(List("IPAddressDeny", words: true), List("IPAddressAllow", words: true));
        string? delegateValue = Last("Delegate");

        facts = facts with
        {
            OwnRoot = facts.OwnRoot || !IsHostRoot(Last("RootImage")),
            // Delegate= takes a boolean or the controllers delegated (which means yes).
            Delegate = delegateValue is { Length: > 0 } dv && ServiceUnitLoader.TryParseBool(dv) != false,
            DevicesClosed = devicePolicy is "closed" or "strict",
            DeviceAllow = deviceAllow,
            IpDenyAll = denyAll,
            IpAllowLocalhost = allowLocal,
            IpAllowOther = allowOther,
        };
        return facts;
    }

    private static bool IsHostRoot(string? path) => string.IsNullOrEmpty(path) || path.Trim('/').Length == 0;

    /// <summary>
    /// IPAddressDeny=/IPAddressAllow= as systemd's assessment reads them: whether the deny list covers
    /// every address of both families (a /0 of each, or "any"), and whether the allow list names only
    /// loopback addresses or others too. Words that are no address are skipped, as systemd skips them.
    /// </summary>
    private static (bool DenyAll, bool AllowLocalhost, bool AllowOther) IpAccess(List<string> deny, List<string> allow)
    {
        bool v4 = false, v6 = false;
        foreach (var w in deny)
        {
            if (w == "any") { v4 = v6 = true; continue; }
            if (Prefix(w) is not var (addr, len) || len != 0) continue;
            if (addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) v4 = true; else v6 = true;
        }
        bool local = false, other = false;
        foreach (var w in allow)
        {
            switch (w)
            {
                case "localhost": local = true; continue;
                case "any" or "link-local" or "multicast": other = true; continue;
            }
            if (Prefix(w) is not var (addr, _)) continue;
            if (System.Net.IPAddress.IsLoopback(addr)) local = true; else other = true;
        }
        return (v4 && v6, local, other);
    }

    private static (System.Net.IPAddress Address, int Length)? Prefix(string word)
    {
        string[] parts = word.Split('/', 2);
        if (!System.Net.IPAddress.TryParse(parts[0], out var addr)) return null;
        int max = addr.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (parts.Length == 1) return (addr, max);
        return int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int len) && len <= max
            ? (addr, len) : null;
    }
}
