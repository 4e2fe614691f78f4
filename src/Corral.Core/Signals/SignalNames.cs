using System.Globalization;

namespace Corral.Core.Signals;

/// <summary>
/// Signal names as systemd reads them (signal_from_string): "15", "TERM", "SIGTERM",
/// "RTMIN+3", "SIGRTMAX-1". Names are case-sensitive; numbers run 1..64 on Linux.
/// </summary>
public static class SignalNames
{
    public const int SigHup = 1, SigInt = 2, SigQuit = 3, SigIll = 4, SigTrap = 5, SigAbrt = 6, SigBus = 7, SigFpe = 8,
        SigKill = 9, SigUsr1 = 10, SigSegv = 11, SigUsr2 = 12, SigPipe = 13, SigAlrm = 14, SigTerm = 15,
        SigChld = 17, SigCont = 18, SigStop = 19, SigSys = 31;

    /// <summary>glibc reserves 32 and 33 for itself, so applications see SIGRTMIN as 34.</summary>
    public const int RtMin = 34, RtMax = 64;

    private static readonly string?[] Names =
    [
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ];

    private static readonly Dictionary<string, int> Aliases = new(StringComparer.Ordinal) { ["IOT"] = SigAbrt, ["POLL"] = 29 };

    public static bool TryParse(string text, out int signal)
    {
        signal = 0;
        if (string.IsNullOrEmpty(text)) return false;
        if (char.IsAsciiDigit(text[0]))
        {
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out signal) && signal >= 1 && signal <= RtMax
                || Fail(out signal);
        }
        string name = text.StartsWith("SIG", StringComparison.Ordinal) ? text[3..] : text;
        for (int i = 1; i < Names.Length; i++)
        {
            if (Names[i] == name) { signal = i; return true; }
        }
        if (Aliases.TryGetValue(name, out signal)) return true;
        if (TryRealtime(name, "RTMIN", RtMin, +1, out signal)) return true;
        if (TryRealtime(name, "RTMAX", RtMax, -1, out signal)) return true;
        return Fail(out signal);
    }

    private static bool TryRealtime(string name, string prefix, int baseSignal, int direction, out int signal)
    {
        signal = 0;
        if (!name.StartsWith(prefix, StringComparison.Ordinal)) return false;
        string rest = name[prefix.Length..];
        if (rest.Length == 0) { signal = baseSignal; return true; }
        char expected = direction > 0 ? '+' : '-';
        if (rest[0] != expected || !int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int offset))
            return false;
        signal = baseSignal + direction * offset;
        return signal >= RtMin && signal <= RtMax;
    }

    private static bool Fail(out int signal)
    {
        signal = 0;
        return false;
    }

    /// <summary>Parses or throws with a message that says what is accepted.</summary>
    public static int Parse(string text) => TryParse(text, out int s)
        ? s
        : throw new FormatException($"'{text}' is not a signal: use a number 1-64, a name like TERM or SIGTERM (case-sensitive), or RTMIN+N");

    /// <summary>"SIGTERM", "SIGRTMIN+3".</summary>
    public static string Format(int signal)
    {
        if (signal > 0 && signal < Names.Length && Names[signal] is { } n) return "SIG" + n;
        if (signal == RtMin) return "SIGRTMIN";
        if (signal > RtMin && signal <= RtMax) return $"SIGRTMIN+{signal - RtMin}";
        return signal.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Signals the process cannot catch: no SIGCONT is owed after them.</summary>
    public static bool IsCatchable(int signal) => signal != SigKill && signal != SigStop;
}
