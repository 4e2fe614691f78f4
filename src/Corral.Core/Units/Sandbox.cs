namespace Corral.Core.Units;

/// <summary>ProtectSystem=: what of the operating system the service sees read-only.</summary>
public enum ProtectSystem { No, Yes, Full, Strict }

/// <summary>ProtectHome=: /home, /root and /run/user hidden (yes), read-only, or empty (tmpfs).</summary>
public enum ProtectHome { No, Yes, ReadOnly, Tmpfs }

/// <summary>A path of ReadOnlyPaths= and its kin; Optional: the '-' prefix (a missing path is skipped).</summary>
public sealed record SandboxPath(string Path, bool Optional);

/// <summary>One BindPaths= / BindReadOnlyPaths= entry: SOURCE[:DESTINATION[:rbind|norbind]], '-' before it for a source that may be missing.</summary>
public sealed record BindMount(string Source, string Destination, bool ReadOnly, bool Recursive, bool Optional);

/// <summary>One TemporaryFileSystem= entry: PATH[:OPTIONS].</summary>
public sealed record TemporaryFileSystem(string Path, string Options);

/// <summary>
/// The sandboxing directives of systemd.exec(5) that change what the service sees: its file-system
/// view (a mount namespace of its own) and its other namespaces. The executor applies them; the
/// daemon turns them into the executor's steps (MountPlan). Default: nothing, the host's view.
/// </summary>
public sealed record Sandbox
{
    public ProtectSystem ProtectSystem { get; init; }
    public ProtectHome ProtectHome { get; init; }
    public bool PrivateTmp { get; init; }
    public bool PrivateDevices { get; init; }
    public bool PrivateMounts { get; init; }
    public bool ProtectKernelTunables { get; init; }
    public bool ProtectKernelModules { get; init; }
    public bool ProtectKernelLogs { get; init; }
    public bool ProtectControlGroups { get; init; }
    /// <summary>ProtectClock=: the clocks cannot be set (CAP_SYS_TIME, CAP_WAKE_ALARM dropped; @clock refused with EPERM).</summary>
    public bool ProtectClock { get; init; }
    /// <summary>ProtectProc=: default, invisible, ptraceable or noaccess (procfs's hidepid=).</summary>
    public string ProtectProc { get; init; } = "default";
    /// <summary>ProcSubset=: all, or pid (procfs's subset=pid: only the process directories).</summary>
    public string ProcSubset { get; init; } = "all";
    public IReadOnlyList<SandboxPath> ReadWritePaths { get; init; } = [];
    public IReadOnlyList<SandboxPath> ReadOnlyPaths { get; init; } = [];
    public IReadOnlyList<SandboxPath> InaccessiblePaths { get; init; } = [];
    public IReadOnlyList<SandboxPath> ExecPaths { get; init; } = [];
    public IReadOnlyList<SandboxPath> NoExecPaths { get; init; } = [];
    public IReadOnlyList<BindMount> BindPaths { get; init; } = [];
    public IReadOnlyList<TemporaryFileSystem> TemporaryFileSystems { get; init; } = [];

    /// <summary>PrivateUsers=: a user namespace where only root and the service's own user and groups are themselves; every other id is nobody.</summary>
    public bool PrivateUsers { get; init; }
    public bool PrivateNetwork { get; init; }
    public bool PrivateIpc { get; init; }
    public bool ProtectHostname { get; init; }
    public string? NetworkNamespacePath { get; init; }
    /// <summary>RootDirectory=: the directory that is the service's / (null: the host's).</summary>
    public string? RootDirectory { get; init; }
    /// <summary>MountAPIVFS=: /proc, /sys, /dev and an empty /run inside RootDirectory=.</summary>
    public bool MountApiVfs { get; init; }
    /// <summary>IPCNamespacePath=: an IPC namespace to join (a file of one: /proc/PID/ns/ipc, or one bound elsewhere).</summary>
    public string? IpcNamespacePath { get; init; }
    /// <summary>MountFlags=: shared, slave or private — how the service's mount namespace and the host's share mounts after the view is made; null: slave.</summary>
    public string? MountPropagation { get; init; }

    /// <summary>The system-call filter's directives (SystemCallFilter=, RestrictNamespaces=, ...).</summary>
    public SyscallFilter Filter { get; init; } = SyscallFilter.None;

    public static readonly Sandbox None = new();

    /// <summary>Whether the service gets a mount namespace of its own.</summary>
    public bool HasMountNamespace =>
        ProtectSystem != ProtectSystem.No || ProtectHome != ProtectHome.No || PrivateTmp || PrivateDevices || PrivateMounts || MountPropagation is not null || RootDirectory is not null
        || ProtectKernelTunables || ProtectKernelModules || ProtectKernelLogs || ProtectControlGroups
        || ProtectProc != "default" || ProcSubset != "all"
        || ReadWritePaths.Count + ReadOnlyPaths.Count + InaccessiblePaths.Count + ExecPaths.Count + NoExecPaths.Count
            + BindPaths.Count + TemporaryFileSystems.Count > 0;

    /// <summary>
    /// Capabilities the sandbox takes out of the bounding set, as systemd does: PrivateDevices= CAP_MKNOD
    /// and CAP_SYS_RAWIO, ProtectKernelModules= CAP_SYS_MODULE, ProtectKernelLogs= CAP_SYSLOG,
    /// ProtectClock= CAP_SYS_TIME and CAP_WAKE_ALARM.
    /// </summary>
    public ulong DroppedCapabilities =>
        (PrivateDevices ? Capabilities.Merge(null, "CAP_MKNOD CAP_SYS_RAWIO") : 0)
        | (ProtectKernelModules ? Capabilities.Merge(null, "CAP_SYS_MODULE") : 0)
        | (ProtectKernelLogs ? Capabilities.Merge(null, "CAP_SYSLOG") : 0)
        | (ProtectClock ? Capabilities.Merge(null, "CAP_SYS_TIME CAP_WAKE_ALARM") : 0);
}
