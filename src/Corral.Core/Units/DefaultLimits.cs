namespace Corral.Core.Units;

/// <summary>
/// The resource limits a service starts with when its unit sets none, as systemd gives them
/// (systemd-system.conf(5)): RLIMIT_NOFILE 1024:524288, RLIMIT_MEMLOCK 8M, RLIMIT_CORE unlimited
/// (PID 1 raises it and services inherit it), and the kernel's own defaults for a first process for
/// the rest — never what the daemon happened to inherit or raise for itself (.NET raises its soft
/// NOFILE to the hard limit).
/// </summary>
public static class DefaultLimits
{
    /// <summary>Every limit, by the name setrlimit(2) gives it without RLIMIT_, in the kernel's order.</summary>
    public static readonly IReadOnlyList<string> Names =
        ["CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"];

    /// <param name="threadsMax">kernel.threads-max: the kernel gives its first process half of it as NPROC and SIGPENDING</param>
    public static RLimit For(string name, ulong threadsMax) => name switch
    {
        "STACK" => new RLimit(8UL << 20, null),
        "NPROC" or "SIGPENDING" => new RLimit(threadsMax / 2, threadsMax / 2),
        "NOFILE" => new RLimit(1024, 524288),
        "MEMLOCK" => new RLimit(8UL << 20, 8UL << 20),
        "MSGQUEUE" => new RLimit(819200, 819200),
        "NICE" or "RTPRIO" => new RLimit(0, 0),
        _ => new RLimit(null, null), // CPU FSIZE DATA CORE RSS AS LOCKS RTTIME: unlimited
    };

    /// <summary>The limit lowered to a hard ceiling (the most the daemon may grant): the closest value it may set, as systemd does.</summary>
    public static RLimit Within(RLimit wanted, ulong? ceiling)
    {
        if (ceiling is not { } c) return wanted;
        ulong hard = Math.Min(wanted.Hard ?? ulong.MaxValue, c);
        return new RLimit(Math.Min(wanted.Soft ?? ulong.MaxValue, hard), hard);
    }
}
