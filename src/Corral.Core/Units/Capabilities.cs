namespace Corral.Core.Units;

/// <summary>
/// Linux capabilities by name (capabilities(7), linux/capability.h) and systemd's way of writing
/// sets of them: <c>CapabilityBoundingSet=</c> and <c>AmbientCapabilities=</c> take a list of names,
/// a leading <c>~</c> meaning every capability but those; several lines merge (OR, or AND for a
/// <c>~</c> line); an empty assignment resets the set to empty.
/// </summary>
public static class Capabilities
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID",
        "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>SecureBits= names and their bits (linux/securebits.h), in systemd's order.</summary>
    public static readonly IReadOnlyDictionary<string, int> SecureBitNames = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["keep-caps"] = 1 << 4, ["keep-caps-locked"] = 1 << 5, ["no-setuid-fixup"] = 1 << 2, ["no-setuid-fixup-locked"] = 1 << 3,
        ["noroot"] = 1 << 0, ["noroot-locked"] = 1 << 1,
    };

    /// <summary>Every capability this table knows: bits 0 to 40.</summary>
    public static readonly ulong All = (1UL << Names.Length) - 1;

    /// <summary>The capability's name (CAP_NET_BIND_SERVICE), or its number for one this table does not know.</summary>
    public static string Name(int cap) => cap >= 0 && cap < Names.Length ? Names[cap] : cap.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The names of a set, lowest first, space-separated (systemd's form).</summary>
    public static string Format(ulong set) => string.Join(' ', Enumerable.Range(0, 64).Where(c => (set & (1UL << c)) != 0).Select(Name));

    /// <summary>
    /// One line merged into <paramref name="current"/> (null: not set yet) as systemd merges them.
    /// Names are case-insensitive, with or without CAP_; an unknown one is an error naming it.
    /// </summary>
    public static ulong Merge(ulong? current, string value)
    {
        string v = value.Trim();
        if (v.Length == 0) return 0;
        bool invert = v.StartsWith('~');
        if (invert) v = v[1..];
        ulong sum = 0;
        foreach (var word in v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            string name = word.ToUpperInvariant();
            if (!name.StartsWith("CAP_", StringComparison.Ordinal)) name = "CAP_" + name;
            int cap = Array.IndexOf(Names, name);
            if (cap < 0) throw new UnitValueException($"'{word}' is not a capability (capabilities(7): CAP_NET_BIND_SERVICE, CAP_KILL, ...)");
            sum |= 1UL << cap;
        }
        if (invert) sum = All & ~sum;
        if (current is not { } set || sum == 0) return sum;
        return invert ? set & sum : set | sum;
    }
}
