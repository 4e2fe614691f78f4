namespace Corral.Linux.Spawn;

/// <summary>Everything the executor needs to start one process of a service.</summary>
public sealed record SpawnRequest
{
    public required string Executable { get; init; }
    public required IReadOnlyList<string> Argv { get; init; }
    public required IReadOnlyList<string> Environment { get; init; }
    public required IReadOnlyList<string> CgroupDirs { get; init; }
    public int? Uid { get; init; }
    public int? Gid { get; init; }
    public IReadOnlyList<int>? Groups { get; init; }
    public string? WorkingDirectory { get; init; }
    public int? UMask { get; init; }
    /// <summary>"NOFILE=1024:4096", "CORE=infinity:infinity".</summary>
    public IReadOnlyList<string> RLimits { get; init; } = [];
    public int? OomScoreAdjust { get; init; }
    public int? Nice { get; init; }
    /// <summary>"POLICY:PRIORITY:RESET" (sched_setscheduler), "CLASS:LEVEL" (ioprio_set); null: left as inherited.</summary>
    public string? Scheduling { get; init; }
    public string? IoPriority { get; init; }
    /// <summary>A variable the executor sets to the process's own pid just before exec (WATCHDOG_PID).</summary>
    public string? EnvPid { get; init; }
    /// <summary>IgnoreSIGPIPE=: the process starts with SIGPIPE ignored (else every signal at its default).</summary>
    public bool IgnoreSigpipe { get; init; }
    /// <summary>CapabilityBoundingSet=: the bounding set kept (null: unchanged); AmbientCapabilities=; NoNewPrivileges=.</summary>
    public ulong? CapabilityBoundingSet { get; init; }
    public ulong AmbientCapabilities { get; init; }
    public bool NoNewPrivileges { get; init; }
    /// <summary>PrivateUsers=: a user namespace of its own, mapping only root, Uid/Gid and Groups to themselves.</summary>
    public bool PrivateUsers { get; init; }
    /// <summary>MountFlags=: shared, slave or private, set on the whole view once it is made; null: slave.</summary>
    public string? MountPropagation { get; init; }
    /// <summary>KeyringMode=: "private" or "shared" makes the process a session keyring of its own; null leaves the daemon's.</summary>
    public string? Keyring { get; init; }
    /// <summary>SecureBits=: set with PR_SET_SECUREBITS before the credentials change; 0: left alone.</summary>
    public int SecureBits { get; init; }
    /// <summary>Namespaces the executor makes or joins ("net:PIN", "ipc:PIN", "netpath:PATH", "uts"), then the file-system view's steps (MountStep.ToArgument()).</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    public IReadOnlyList<string> Mounts { get; init; } = [];
    /// <summary>The system-call filter's parts for the executor (allow:CALLS, errno:N, ns:HEX, ...; native/seccomp.c).</summary>
    public IReadOnlyList<string> Seccomp { get; init; } = [];
    /// <summary>Descriptors for 0, 1 and 2; -1 is /dev/null.</summary>
    /// <summary>Listening sockets the process gets as fds 3, 4, … with LISTEN_PID= set to its own pid (LISTEN_FDS= is in the environment given).</summary>
    public IReadOnlyList<int> ListenFds { get; init; } = [];
    public int StdinFd { get; init; } = -1;
    public int StdoutFd { get; init; } = -1;
    public int StderrFd { get; init; } = -1;
}
