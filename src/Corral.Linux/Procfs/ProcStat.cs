using System.Globalization;

namespace Corral.Linux.Procfs;

/// <summary>The fields of /proc/PID/stat that Corral uses.</summary>
public sealed record ProcStat(int Pid, string Comm, char State, int Ppid, int Session, ulong StartTimeTicks, long RssPages)
{
    /// <summary>CPU time in user and kernel mode, in clock ticks (fields 14 and 15).</summary>
    public ulong UserTicks { get; init; }
    public ulong SystemTicks { get; init; }
    /// <summary>Virtual memory size in bytes (field 23).</summary>
    public ulong VirtualBytes { get; init; }

    /// <summary>
    /// Parses one stat line. The command name may hold spaces and ')' itself, so it runs from the
    /// first '(' to the last ')'; the fields after it are counted from there (proc(5)).
    /// </summary>
    public static bool TryParse(string line, out ProcStat? stat)
    {
        stat = null;
        int open = line.IndexOf('(');
        int close = line.LastIndexOf(')');
        if (open <= 0 || close < open || close + 2 >= line.Length) return false;
        if (!int.TryParse(line.AsSpan(0, open - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false;
        string comm = line[(open + 1)..close];
        // After ") ": field 3 (state) is index 0 here.
        var rest = line[(close + 2)..].Split(' ');
        if (rest.Length < 22) return false;
        if (!int.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int ppid)) return false;
        if (!int.TryParse(rest[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int session)) return false;
        if (!ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start)) return false;
        if (!long.TryParse(rest[21], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long rss)) return false;
        ulong.TryParse(rest[11], NumberStyles.None, CultureInfo.InvariantCulture, out ulong utime);
        ulong.TryParse(rest[12], NumberStyles.None, CultureInfo.InvariantCulture, out ulong stime);
        ulong.TryParse(rest[20], NumberStyles.None, CultureInfo.InvariantCulture, out ulong vsize);
        stat = new ProcStat(pid, comm, rest[0][0], ppid, session, start, rss) { UserTicks = utime, SystemTicks = stime, VirtualBytes = vsize };
        return true;
    }
}
