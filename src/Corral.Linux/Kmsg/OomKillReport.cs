using System.Globalization;
using System.Text.RegularExpressions;

namespace Corral.Linux.Kmsg;

/// <summary>
/// What the kernel's OOM killer printed about one victim: the "Killed process" line (its memory
/// figures) joined with the "oom-kill:" line before it (the constraint and the memory cgroup).
/// </summary>
public sealed partial record OomKillReport(int Pid, string Comm, long TotalVmKb, long AnonRssKb, long FileRssKb, long ShmemRssKb, int Uid, int OomScoreAdj)
{
    /// <summary>CONSTRAINT_MEMCG (a cgroup's limit) or CONSTRAINT_NONE (the whole machine), when known.</summary>
    public string? Constraint { get; init; }
    /// <summary>The memory cgroup whose limit was hit, as the kernel names it (relative to the v1 memory mount or the v2 root).</summary>
    public string? OomMemcg { get; init; }

    // "Memory cgroup out of memory: Killed process 4580 (python3) total-vm:218756kB, anon-rss:65152kB, file-rss:2308kB, shmem-rss:0kB, UID:0 pgtables:192kB oom_score_adj:0"
    [GeneratedRegex(@"Killed process (?<pid>\d+) \((?<comm>.*)\) total-vm:(?<vm>\d+)kB, anon-rss:(?<anon>\d+)kB, file-rss:(?<file>\d+)kB, shmem-rss:(?<shmem>\d+)kB, UID:(?<uid>\d+)(?: pgtables:\d+kB)? oom_score_adj:(?<adj>-?\d+)")]
    private static partial Regex KilledLine();

    // "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/corral-oomprobe,task_memcg=/corral-oomprobe,task=python3,pid=4580,uid=0"
    [GeneratedRegex(@"oom-kill:constraint=(?<constraint>[A-Z_]+),.*?(?:oom_memcg=(?<memcg>[^,]*),)?task_memcg=[^,]*,task=.*,pid=(?<pid>\d+),uid=\d+")]
    private static partial Regex ContextLine();

    public static bool TryParseKilled(string message, out OomKillReport? report)
    {
        report = null;
        var m = KilledLine().Match(message);
        if (!m.Success) return false;
        static long L(Group g) => long.Parse(g.Value, CultureInfo.InvariantCulture);
        report = new OomKillReport((int)L(m.Groups["pid"]), m.Groups["comm"].Value, L(m.Groups["vm"]), L(m.Groups["anon"]), L(m.Groups["file"]),
            L(m.Groups["shmem"]), (int)L(m.Groups["uid"]), (int)L(m.Groups["adj"]));
        return true;
    }

    public static bool TryParseContext(string message, out int pid, out string constraint, out string? memcg)
    {
        var m = ContextLine().Match(message);
        pid = m.Success ? int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture) : 0;
        constraint = m.Groups["constraint"].Value;
        memcg = m.Groups["memcg"].Success ? m.Groups["memcg"].Value : null;
        return m.Success;
    }

    /// <summary>The message of a /dev/kmsg record: "PRIORITY,SEQ,USEC,FLAGS[,…];MESSAGE\n[ KEY=VALUE\n]…".</summary>
    public static string? KmsgMessage(string record)
    {
        int semi = record.IndexOf(';');
        if (semi < 0) return null;
        int end = record.IndexOf('\n', semi);
        return end < 0 ? record[(semi + 1)..] : record[(semi + 1)..end];
    }
}
