using System.Text;

namespace Corral.Linux.Procfs;

/// <summary>
/// Reads /proc. A process may exit between any two reads: every method is a Try that returns
/// false (or null) for a process that is gone, never throws for it.
/// </summary>
public static class ProcReader
{
    public static bool TryReadStat(int pid, out ProcStat? stat)
    {
        stat = null;
        string? text = TryReadText($"/proc/{pid}/stat");
        return text is not null && ProcStat.TryParse(text.TrimEnd('\n'), out stat);
    }

    /// <summary>The command line with NULs turned into spaces; empty for kernel threads and zombies.</summary>
    public static string? TryReadCmdline(int pid)
    {
        string? raw = TryReadText($"/proc/{pid}/cmdline");
        return raw?.TrimEnd('\0').Replace('\0', ' ');
    }

    /// <summary>The process's cgroup in the v2 hierarchy, from the "0::" line of /proc/PID/cgroup ("/corral/web.service"); null when gone.</summary>
    public static string? TryReadUnifiedCgroup(int pid) =>
        TryReadText($"/proc/{pid}/cgroup")?.Split('\n').FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];

    /// <summary>The process (thread group) a thread belongs to, from /proc/TID/status; trace lines name threads.</summary>
    public static int? TryReadTgid(int tid) =>
        StatusField(tid, "Tgid") is [var tgid, ..] && int.TryParse(tgid, out int v) ? v : null;

    /// <summary>The effective uid, from the Uid: line of /proc/PID/status (real, effective, saved, fs).</summary>
    public static int? TryReadEffectiveUid(int pid) =>
        StatusField(pid, "Uid") is [_, var euid, ..] && int.TryParse(euid, out int v) ? v : null;

    /// <summary>Whether any process of the machine has the uid as its real, effective, saved or file-system uid.</summary>
    public static bool AnyProcessOf(int uid)
    {
        string id = uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (int pid in AllPids())
            if (StatusField(pid, "Uid") is { } ids && ids.Contains(id)) return true;
        return false;
    }

    /// <summary>The supplementary groups, from the Groups: line of /proc/PID/status; empty if the process is gone.</summary>
    public static IEnumerable<int> ReadGroups(int pid) =>
        (StatusField(pid, "Groups") ?? []).Select(g => int.TryParse(g, out int gid) ? gid : -1).Where(g => g >= 0);

    /// <summary>/proc/PID/oom_score: the badness the OOM killer would give the process now (0–2000).</summary>
    public static int? TryReadOomScore(int pid) => TryReadInt($"/proc/{pid}/oom_score");

    /// <summary>/proc/PID/oom_score_adj: -1000 (never killed) to 1000.</summary>
    public static int? TryReadOomScoreAdj(int pid) => TryReadInt($"/proc/{pid}/oom_score_adj");

    private static int? TryReadInt(string path) =>
        int.TryParse(TryReadText(path)?.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out int v) ? v : null;

    /// <summary>The pids of every process now: the numeric entries of /proc (or of a copy of it, for tests).</summary>
    public static IEnumerable<int> AllPids(string procRoot = "/proc")
    {
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
            if (int.TryParse(Path.GetFileName(dir.AsSpan()), out int pid)) yield return pid;
    }

    /// <summary>The whitespace-separated values of one "Key:" line of /proc/PID/status; null if the process is gone.</summary>
    private static string[]? StatusField(int pid, string key)
    {
        string? text = TryReadText($"/proc/{pid}/status");
        if (text is null) return null;
        string tag = "\n" + key + ":";
        int at = text.IndexOf(tag, StringComparison.Ordinal);
        if (at < 0) return null;
        int end = text.IndexOf('\n', at + 1);
        return text[(at + tag.Length)..(end < 0 ? text.Length : end)].Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
    }

    public static string? TryReadText(string path) => TryReadText(path, out _);

    /// <summary>The file's text; null with the errno of the open or read that failed.</summary>
    public static unsafe string? TryReadText(string path, out int errno)
    {
        // open, read until EOF, close: no FileStream (whose fstat and flock double the system calls)
        // and no exception for a process that is gone, which is the common case for a /proc path.
        errno = 0;
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            errno = Interop.LastErrno;
            return null;
        }
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                nint n;
                fixed (byte* p = &buffer[length]) n = Interop.Read(fd, p, buffer.Length - length);
                if (n < 0 && Interop.LastErrno == Interop.EINTR) continue;
                if (n < 0)
                {
                    errno = Interop.LastErrno; // ESRCH on a task that vanished while read
                    return null;
                }
                if (n == 0) break;
                length += (int)n;
            }
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            Interop.Close(fd);
        }
    }

    /// <summary>Kernel clock ticks per second (sysconf(_SC_CLK_TCK)), 100 on Linux.</summary>
    public const int ClockTicks = 100;

    /// <summary>
    /// The wall-clock time of boot, to turn a start time in ticks since boot into a wall-clock time:
    /// now minus /proc/uptime (10 ms steps). /proc/stat's btime is whole seconds, which put start
    /// times up to a second off, before the deaths they preceded.
    /// </summary>
    public static DateTimeOffset BootTime { get; } = ReadBootTime();

    private static DateTimeOffset ReadBootTime()
    {
        var now = DateTimeOffset.UtcNow;
        string? uptime = TryReadText("/proc/uptime");
        if (uptime is not null && double.TryParse(uptime.Split(' ')[0], System.Globalization.NumberStyles.AllowDecimalPoint,
                System.Globalization.CultureInfo.InvariantCulture, out double seconds))
            return now.AddSeconds(-seconds);
        foreach (var line in (TryReadText("/proc/stat") ?? "").Split('\n'))
            if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line[6..], out long s))
                return DateTimeOffset.FromUnixTimeSeconds(s);
        return DateTimeOffset.UnixEpoch;
    }

    public static DateTimeOffset StartTime(ProcStat stat) => BootTime.AddSeconds(stat.StartTimeTicks / (double)ClockTicks);
}
