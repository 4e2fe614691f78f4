namespace Corral.Core.Units;

/// <summary>
/// The directives a seccomp filter enforces (systemd.exec(5), "System Call Filtering"):
/// SystemCallFilter= as an allow list (its first line without '~') or a deny list (with '~'),
/// SystemCallErrorNumber=, SystemCallArchitectures=native, and the directives that filter a call by
/// its arguments: RestrictNamespaces=, RestrictAddressFamilies=, MemoryDenyWriteExecute=,
/// RestrictRealtime=, RestrictSUIDSGID=, LockPersonality=. The executor builds the filter
/// (native/seccomp.c) and installs it last before the exec.
/// </summary>
public sealed record SyscallFilter
{
    /// <summary>null: no SystemCallFilter=; true: only these (and what every process needs to exec and exit); false: all but these.</summary>
    public bool? AllowList { get; init; }
    public IReadOnlySet<string> Calls { get; init; } = new HashSet<string>();
    /// <summary>What a filtered call gets: an errno (SystemCallErrorNumber=), or null: the process is killed (SIGSYS).</summary>
    public int? ErrorNumber { get; init; }
    public bool NativeOnly { get; init; }
    /// <summary>Namespace types (CLONE_NEW* bits) the service may not make or join; 0: no restriction.</summary>
    public ulong DeniedNamespaces { get; init; }
    /// <summary>RestrictAddressFamilies=: null, none; else the families and whether they are the only ones allowed (or the ones denied).</summary>
    public (bool AllowList, IReadOnlySet<int> Families)? AddressFamilies { get; init; }
    public bool MemoryDenyWriteExecute { get; init; }
    public bool RestrictRealtime { get; init; }
    public bool RestrictSuidSgid { get; init; }
    public bool LockPersonality { get; init; }
    /// <summary>SystemCallLog=: null, nothing logged; true: the calls in LogCalls are logged; false: every call but those.</summary>
    public bool? LogListed { get; init; }
    public IReadOnlySet<string> LogCalls { get; init; } = new HashSet<string>();

    public static readonly SyscallFilter None = new();

    public bool Any => AllowList is not null || LogListed is not null || NativeOnly || DeniedNamespaces != 0 || AddressFamilies is not null
        || MemoryDenyWriteExecute || RestrictRealtime || RestrictSuidSgid || LockPersonality;

    /// <summary>
    /// Calls an allow list always lets through, as systemd's does: what the executor needs after the
    /// filter is in place and any process needs to end, and the calls that read the time or sleep.
    /// </summary>
    public static readonly string[] AlwaysAllowed =
        ["execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn", "clock_gettime", "clock_getres", "clock_nanosleep",
         "gettimeofday", "time", "nanosleep"];
}
