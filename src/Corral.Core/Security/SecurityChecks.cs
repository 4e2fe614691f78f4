using Corral.Core.Units;

namespace Corral.Core.Security;

/// <summary>
/// The 81 checks of `systemd-analyze security` (systemd 252, Debian 12's), with systemd's names,
/// JSON fields, weights and ranges — the figures that make its score, so Corral's score of a unit
/// is systemd's. The descriptions are Corral's own words. A test compares every check and the
/// overall figure with systemd-analyze --offline=yes on the same files.
/// </summary>
public static class SecurityChecks
{
    public static readonly IReadOnlyList<SecurityCheck> All = Build();

    private static ulong Caps(string names) => Capabilities.Merge(null, names);

    private static SecurityCheck Cap(string name, string json, int weight, string caps, string good, string bad)
    {
        ulong mask = Caps(caps);
        return SecurityCheck.Bool(name, json, weight, ["CapabilityBoundingSet"], f => (f.BoundingSet & mask) == 0, good, bad);
    }

    private static SecurityCheck Namespace(string type, ulong bit, int weight, string what) =>
        SecurityCheck.Bool($"RestrictNamespaces=~{type}", $"RestrictNamespaces_{type}", weight, ["RestrictNamespaces"],
            f => (f.DeniedNamespaces & bit) != 0, $"cannot make {what} namespaces", $"may make {what} namespaces");

    /// <summary>Families of RestrictAddressFamilies= the checks tell apart; "other" is every family but these.</summary>
    private static readonly int[] NamedFamilies = [1, 2, 10, 16, 17];

    private static SecurityCheck Families(string name, string json, int weight, int[]? families, string what)
    {
        bool Named(int af) => families is null ? !NamedFamilies.Contains(af) : families.Contains(af);
        return SecurityCheck.Bool(name, json, weight, ["RestrictAddressFamilies"],
            f => f.AddressFamilies is var (allow, set) && (allow ? !set.Any(Named) : set.Any(Named)),
            $"cannot make {what} sockets", $"may make {what} sockets");
    }

    private static SecurityCheck Syscalls(string group, int weight) =>
        new($"SystemCallFilter=~{group}", "SystemCallFilter_" + group.TrimStart('@').Replace('-', '_'), weight, 10, ["SystemCallFilter"], f => FilterFinding(f, group));

    private static Finding FilterFinding(SecurityFacts f, string group)
    {
        if (f.SyscallAllowList != true && f.Calls.Count == 0) return new(10, "system calls are not filtered");
        bool allow = f.SyscallAllowList == true;
        string? offender = Offender(f, allow, group);
        return (allow, offender) switch
        {
            (true, null) => new(0, $"the allow list leaves {group} out"),
            (true, _) => new(9, $"the allow list lets {group} through ({offender}, for one)"),
            (false, null) => new(0, $"the deny list refuses {group}"),
            _ => new(10, $"the deny list lets {group} through ({offender}, for one)"),
        };
    }

    /// <summary>The first call of the group (in systemd's order, nested groups in place) the filter lets through; calls this machine lacks do not count.</summary>
    private static string? Offender(SecurityFacts f, bool allow, string group)
    {
        foreach (var m in SyscallGroups.MembersOf(group) ?? [])
        {
            if (m.StartsWith('@'))
            {
                if (Offender(f, allow, m) is { } inner) return inner;
            }
            else if (f.CallExists(m) && f.Calls.Contains(m) == allow) return m;
        }
        return null;
    }

    /// <summary>Checks systemd skips for a unit with DefaultDependencies=no (an early-boot service the file system may not be ready for).</summary>
    private static SecurityCheck BootPhase(SecurityCheck c) =>
        c with { Assess = f => f.DefaultDependencies ? c.Assess(f) : Finding.NotApplicable("runs in an early boot phase (DefaultDependencies=no): not judged") };

    private static List<SecurityCheck> Build() =>
    [
        new("User=/DynamicUser=", "UserOrDynamicUser", 2000, 10, ["User", "DynamicUser"], f =>
            f.User == "nobody" ? new(9, "runs as nobody, which no service should use: files it makes belong to every other nobody")
            : f.DynamicUser && f.User is not ("root" or "0") ? new(0, "runs as a transient user of its own")
            : !f.RunsPrivileged ? new(0, $"runs as the user {f.User}, not root")
            : new(10, "runs as root")),
        new("SupplementaryGroups=", "SupplementaryGroups", 200, 1, ["SupplementaryGroups", "User", "DynamicUser"], f =>
            f.RunsPrivileged ? Finding.NotApplicable("runs as root: groups add nothing")
            : f.HasSupplementaryGroups ? new(1, "has supplementary groups") : new(0, "has no supplementary groups")),
        SecurityCheck.Bool("PrivateDevices=", "PrivateDevices", 1000, ["PrivateDevices"], f => f.PrivateDevices,
            "sees only pseudo-devices in its /dev", "sees the host's devices"),
        SecurityCheck.Bool("PrivateMounts=", "PrivateMounts", 1000, ["PrivateMounts"], f => f.PrivateMounts,
            "mounts it makes stay in its own namespace", "may mount on the host"),
        SecurityCheck.Bool("PrivateNetwork=", "PrivateNetwork", 2500, ["PrivateNetwork"], f => f.PrivateNetwork,
            "has no network but its own loopback", "shares the host's network"),
        BootPhase(SecurityCheck.Bool("PrivateTmp=", "PrivateTmp", 1000, ["PrivateTmp", "DynamicUser"], f => f.PrivateTmp,
            "has a /tmp and /var/tmp of its own", "shares /tmp and /var/tmp with other programs")),
        SecurityCheck.Bool("PrivateUsers=", "PrivateUsers", 1000, ["PrivateUsers"], f => f.PrivateUsers,
            "sees no other user (user namespace)", "sees every user of the host"),
        SecurityCheck.Bool("ProtectControlGroups=", "ProtectControlGroups", 1000, ["ProtectControlGroups"], f => f.ProtectControlGroups,
            "sees the cgroup file system read-only", "may write to the cgroup file system"),
        SecurityCheck.Bool("ProtectKernelModules=", "ProtectKernelModules", 1000, ["ProtectKernelModules"], f => f.ProtectKernelModules,
            "cannot load kernel modules or read them", "may load or read kernel modules"),
        SecurityCheck.Bool("ProtectKernelTunables=", "ProtectKernelTunables", 1000, ["ProtectKernelTunables"], f => f.ProtectKernelTunables,
            "sees /proc/sys, /sys and kin read-only", "may change kernel tunables"),
        SecurityCheck.Bool("ProtectKernelLogs=", "ProtectKernelLogs", 1000, ["ProtectKernelLogs"], f => f.ProtectKernelLogs,
            "cannot read or write the kernel log", "may read and write the kernel log"),
        SecurityCheck.Bool("ProtectClock=", "ProtectClock", 1000, ["ProtectClock"], f => f.ProtectClock,
            "cannot set the system or hardware clock", "may set the system or hardware clock"),
        BootPhase(new("ProtectHome=", "ProtectHome", 1000, 10, ["ProtectHome", "DynamicUser"], f => f.ProtectHome switch
        {
            ProtectHome.Yes => new(0, "sees no home directory"),
            ProtectHome.Tmpfs => new(1, "sees empty home directories"),
            ProtectHome.ReadOnly => new(5, "may read every home directory"),
            _ => new(10, "may read and write every home directory"),
        })),
        SecurityCheck.Bool("ProtectHostname=", "ProtectHostname", 50, ["ProtectHostname"], f => f.ProtectHostname,
            "cannot change the host's name", "may change the host's name"),
        BootPhase(new("ProtectSystem=", "ProtectSystem", 1000, 10, ["ProtectSystem", "DynamicUser"], f => f.ProtectSystem switch
        {
            ProtectSystem.Strict => new(0, "sees the whole file system read-only but for the paths it is given"),
            ProtectSystem.Full => new(3, "sees /usr, /boot and /etc read-only; may write elsewhere"),
            ProtectSystem.Yes => new(5, "sees /usr and /boot read-only; may write /etc and elsewhere"),
            _ => new(10, "may write anywhere its user may"),
        })),
        BootPhase(SecurityCheck.Bool("RootDirectory=/RootImage=", "RootDirectoryOrRootImage", 200, ["RootDirectory", "RootImage"], f => f.OwnRoot,
            "runs in a root directory of its own", "runs in the host's root directory")),
        SecurityCheck.Bool("LockPersonality=", "LockPersonality", 100, ["LockPersonality"], f => f.LockPersonality,
            "cannot change its execution domain (personality)", "may change its execution domain (personality)"),
        SecurityCheck.Bool("MemoryDenyWriteExecute=", "MemoryDenyWriteExecute", 100, ["MemoryDenyWriteExecute"], f => f.MemoryDenyWriteExecute,
            "cannot map memory writable and executable", "may map memory writable and executable"),
        SecurityCheck.Bool("NoNewPrivileges=", "NoNewPrivileges", 1000, ["NoNewPrivileges", "DynamicUser"], f => f.NoNewPrivileges,
            "cannot gain privileges by exec (set-uid, file capabilities)", "may gain privileges by exec (set-uid, file capabilities)"),
        Cap("CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet_CAP_SYS_ADMIN", 1500, "CAP_SYS_ADMIN",
            "cannot administer the system (CAP_SYS_ADMIN)", "may administer the system (CAP_SYS_ADMIN)"),
        Cap("CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP", 1500, "CAP_SETUID CAP_SETGID CAP_SETPCAP",
            "cannot change its user, groups or capabilities", "may change its user, groups or capabilities"),
        Cap("CapabilityBoundingSet=~CAP_SYS_PTRACE", "CapabilityBoundingSet_CAP_SYS_PTRACE", 1500, "CAP_SYS_PTRACE",
            "cannot trace other users' processes", "may trace any process (ptrace)"),
        Cap("CapabilityBoundingSet=~CAP_SYS_TIME", "CapabilityBoundingSet_CAP_SYS_TIME", 1000, "CAP_SYS_TIME",
            "cannot set the clock", "may set the clock"),
        Cap("CapabilityBoundingSet=~CAP_NET_ADMIN", "CapabilityBoundingSet_CAP_NET_ADMIN", 1000, "CAP_NET_ADMIN",
            "cannot configure the network", "may configure the network"),
        Cap("CapabilityBoundingSet=~CAP_SYS_RAWIO", "CapabilityBoundingSet_CAP_SYS_RAWIO", 1000, "CAP_SYS_RAWIO",
            "cannot do raw I/O", "may do raw I/O (ports, /dev/mem)"),
        Cap("CapabilityBoundingSet=~CAP_SYS_MODULE", "CapabilityBoundingSet_CAP_SYS_MODULE", 1000, "CAP_SYS_MODULE",
            "cannot load kernel modules", "may load kernel modules"),
        Cap("CapabilityBoundingSet=~CAP_AUDIT_*", "CapabilityBoundingSet_CAP_AUDIT", 500, "CAP_AUDIT_CONTROL CAP_AUDIT_READ CAP_AUDIT_WRITE",
            "cannot use the audit subsystem", "may use the audit subsystem"),
        Cap("CapabilityBoundingSet=~CAP_SYSLOG", "CapabilityBoundingSet_CAP_SYSLOG", 500, "CAP_SYSLOG",
            "cannot use privileged kernel logging", "may use privileged kernel logging"),
        Cap("CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE", 500, "CAP_SYS_NICE CAP_SYS_RESOURCE",
            "cannot raise its priority or its resource limits", "may raise its priority and resource limits"),
        Cap("CapabilityBoundingSet=~CAP_MKNOD", "CapabilityBoundingSet_CAP_MKNOD", 500, "CAP_MKNOD",
            "cannot make device nodes", "may make device nodes"),
        Cap("CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP", 1000, "CAP_CHOWN CAP_FSETID CAP_SETFCAP",
            "cannot change any file's owner, set-id bits or capabilities", "may change any file's owner, set-id bits or capabilities"),
        Cap("CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", "CapabilityBoundingSet_CAP_DAC_FOWNER_IPC_OWNER", 1000,
            "CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_IPC_OWNER",
            "is held to file and IPC permissions", "may override file and IPC permissions"),
        Cap("CapabilityBoundingSet=~CAP_KILL", "CapabilityBoundingSet_CAP_KILL", 500, "CAP_KILL",
            "cannot signal other users' processes", "may signal any process"),
        // systemd's JSON field for this check ends in a stray ')': kept, so that tools reading either find it.
        Cap("CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)", 500,
            "CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW",
            "cannot bind low ports, broadcast or use raw sockets", "may bind low ports, broadcast and use raw sockets"),
        Cap("CapabilityBoundingSet=~CAP_SYS_BOOT", "CapabilityBoundingSet_CAP_SYS_BOOT", 100, "CAP_SYS_BOOT",
            "cannot reboot the machine", "may reboot the machine"),
        Cap("CapabilityBoundingSet=~CAP_MAC_*", "CapabilityBoundingSet_CAP_MAC", 100, "CAP_MAC_ADMIN CAP_MAC_OVERRIDE",
            "cannot change or override mandatory access control", "may change or override mandatory access control"),
        Cap("CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", "CapabilityBoundingSet_CAP_LINUX_IMMUTABLE", 75, "CAP_LINUX_IMMUTABLE",
            "cannot make files immutable", "may make files immutable or append-only"),
        Cap("CapabilityBoundingSet=~CAP_IPC_LOCK", "CapabilityBoundingSet_CAP_IPC_LOCK", 50, "CAP_IPC_LOCK",
            "cannot lock memory beyond its limit", "may lock memory into RAM"),
        Cap("CapabilityBoundingSet=~CAP_SYS_CHROOT", "CapabilityBoundingSet_CAP_SYS_CHROOT", 50, "CAP_SYS_CHROOT",
            "cannot chroot", "may chroot"),
        Cap("CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", "CapabilityBoundingSet_CAP_BLOCK_SUSPEND", 25, "CAP_BLOCK_SUSPEND",
            "cannot keep the machine from suspending", "may keep the machine from suspending"),
        Cap("CapabilityBoundingSet=~CAP_WAKE_ALARM", "CapabilityBoundingSet_CAP_WAKE_ALARM", 25, "CAP_WAKE_ALARM",
            "cannot set timers that wake the machine", "may set timers that wake the machine"),
        Cap("CapabilityBoundingSet=~CAP_LEASE", "CapabilityBoundingSet_CAP_LEASE", 25, "CAP_LEASE",
            "cannot take leases on others' files", "may take leases on any file"),
        Cap("CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", "CapabilityBoundingSet_CAP_SYS_TTY_CONFIG", 25, "CAP_SYS_TTY_CONFIG",
            "cannot configure terminals (vhangup)", "may configure terminals (vhangup)"),
        Cap("CapabilityBoundingSet=~CAP_SYS_PACCT", "CapabilityBoundingSet_CAP_SYS_PACCT", 25, "CAP_SYS_PACCT",
            "cannot switch process accounting", "may switch process accounting (acct)"),
        Cap("CapabilityBoundingSet=~CAP_BPF", "CapabilityBoundingSet_CAP_BPF", 25, "CAP_BPF",
            "cannot load BPF programs", "may load BPF programs"),
        new("UMask=", "UMask", 100, 10, ["UMask"], f =>
            (f.UMask & 0x2) == 0 ? new(10, "makes files every user may write")
            : (f.UMask & 0x4) == 0 ? new(5, "makes files every user may read")
            : (f.UMask & 0x10) == 0 ? new(2, "makes files its group may write")
            : (f.UMask & 0x20) == 0 ? new(1, "makes files its group may read")
            : new(0, "makes files only its own user may read")),
        SecurityCheck.Bool("KeyringMode=", "KeyringMode", 1000, ["KeyringMode"], f => f.KeyringMode == "private",
            "has a kernel keyring of its own", "shares its kernel keyring with other processes"),
        new("ProtectProc=", "ProtectProc", 1000, 3, ["ProtectProc"], f => f.ProtectProc switch
        {
            "invisible" or "ptraceable" => new(0, "sees only its own processes in /proc"),
            "noaccess" => new(1, "sees other processes in /proc but cannot read them"),
            _ => new(3, "sees every process in /proc"),
        }),
        SecurityCheck.Bool("ProcSubset=", "ProcSubset", 10, ["ProcSubset"], f => f.ProcSubset == "pid",
            "sees only processes in /proc", "sees all of /proc, not only processes"),
        SecurityCheck.Bool("NotifyAccess=", "NotifyAccess", 1000, ["NotifyAccess"], f => f.NotifyAccess != NotifyAccess.All,
            "only its main or control processes may report its state", "any of its processes may report its state"),
        new("RemoveIPC=", "RemoveIPC", 100, 1, ["RemoveIPC", "User", "DynamicUser"], f =>
            f.RunsPrivileged ? Finding.NotApplicable("runs as root: IPC objects are not removed for root")
            : f.RemoveIpc ? new(0, "its user's IPC objects are removed when it stops") : new(1, "its user's IPC objects outlive it")),
        SecurityCheck.Bool("Delegate=", "Delegate", 100, ["Delegate"], f => !f.Delegate,
            "does not manage a cgroup subtree of its own", "manages a cgroup subtree of its own"),
        SecurityCheck.Bool("RestrictRealtime=", "RestrictRealtime", 500, ["RestrictRealtime"], f => f.RestrictRealtime,
            "cannot take real-time scheduling", "may take real-time scheduling"),
        SecurityCheck.Bool("RestrictSUIDSGID=", "RestrictSUIDSGID", 1000, ["RestrictSUIDSGID", "DynamicUser"], f => f.RestrictSuidSgid,
            "cannot make set-user-id or set-group-id files", "may make set-user-id and set-group-id files"),
        Namespace("user", 0x10000000, 1500, "user"),
        Namespace("mnt", 0x00020000, 500, "mount"),
        Namespace("ipc", 0x08000000, 500, "IPC"),
        Namespace("pid", 0x20000000, 500, "process"),
        Namespace("cgroup", 0x02000000, 500, "cgroup"),
        Namespace("net", 0x40000000, 500, "network"),
        Namespace("uts", 0x04000000, 100, "host-name"),
        Families("RestrictAddressFamilies=~AF_(INET|INET6)", "RestrictAddressFamilies_AF_INET_INET6", 1500, [2, 10], "Internet"),
        Families("RestrictAddressFamilies=~AF_UNIX", "RestrictAddressFamilies_AF_UNIX", 25, [1], "local (AF_UNIX)"),
        Families("RestrictAddressFamilies=~AF_NETLINK", "RestrictAddressFamilies_AF_NETLINK", 200, [16], "netlink"),
        Families("RestrictAddressFamilies=~AF_PACKET", "RestrictAddressFamilies_AF_PACKET", 1000, [17], "packet"),
        Families("RestrictAddressFamilies=~…", "RestrictAddressFamilies_OTHER", 1250, null, "other (exotic)"),
        new("SystemCallArchitectures=", "SystemCallArchitectures", 1000, 10, ["SystemCallArchitectures"], f =>
            f.NativeOnly ? new(0, "may make system calls of the native ABI only") : new(10, "may make system calls of every ABI the kernel has")),
        Syscalls("@swap", 1000),
        Syscalls("@obsolete", 250),
        Syscalls("@clock", 1000),
        Syscalls("@cpu-emulation", 250),
        Syscalls("@debug", 1000),
        Syscalls("@mount", 1000),
        Syscalls("@module", 1000),
        Syscalls("@raw-io", 1000),
        Syscalls("@reboot", 1000),
        Syscalls("@privileged", 700),
        Syscalls("@resources", 700),
        new("IPAddressDeny=", "IPAddressDeny", 1000, 10, ["IPAddressDeny", "IPAddressAllow"], f =>
            !f.IpDenyAll ? new(10, "may reach any IP address (no allow list)")
            : f.IpAllowOther ? new(5, "may reach the addresses its allow list names")
            : f.IpAllowLocalhost ? new(2, "may reach loopback addresses only")
            : new(0, "may reach no IP address")),
        new("DeviceAllow=", "DeviceAllow", 1000, 10, ["DevicePolicy", "DeviceAllow", "PrivateDevices", "ProtectClock"], f =>
            !f.DevicesClosed ? new(10, "may open any device node it sees (no device policy)")
            : f.DeviceAllow.Count > 0 ? new(5, "may open some devices beyond the pseudo-devices: " + string.Join(' ', f.DeviceAllow))
            : new(0, "may open only the pseudo-devices")),
        SecurityCheck.Bool("AmbientCapabilities=", "AmbientCapabilities", 500, ["AmbientCapabilities"], f => f.AmbientCapabilities == 0,
            "is given no ambient capabilities", "is given ambient capabilities"),
    ];
}
