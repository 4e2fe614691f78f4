using Corral.Linux.Cgroups;
using Corral.Linux.Procfs;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Monitoring;

/// <summary>
/// The machine's processes the kernel's OOM killer would pick first (the highest
/// /proc/PID/oom_score), each with the unit it belongs to when it is in one of this daemon's
/// cgroups, or the cgroup it is in otherwise. Read from /proc at each request; nothing is kept.
/// </summary>
internal sealed class OomCandidates(ICgroupManager cgroups)
{
    public const int MaxLimit = 1000;

    public List<OomCandidate> Top(int limit)
    {
        limit = Math.Clamp(limit, 1, MaxLimit);
        // Scores first (one small read each), then the details of the few that are kept.
        var scored = new List<(int Pid, int Score)>();
        foreach (int pid in ProcReader.AllPids())
            if (ProcReader.TryReadOomScore(pid) is { } score) scored.Add((pid, score));
        string root = cgroups.Layout.ProcPath(cgroups.Root) + "/";
        var users = Linux.Users.UserDatabase.Load();
        var result = new List<OomCandidate>();
        foreach (var (pid, score) in scored.OrderByDescending(s => s.Score).ThenBy(s => s.Pid))
        {
            if (result.Count == limit) break;
            if (!ProcReader.TryReadStat(pid, out var st) || st!.State == 'Z') continue;
            string cgroup = ProcReader.TryReadUnifiedCgroup(pid) ?? "?";
            string? unit = cgroup.StartsWith(root, StringComparison.Ordinal) && cgroup[root.Length..].Split('/')[0] is var first
                && Core.Units.UnitNames.IsService(first) ? first : null;
            int? uid = ProcReader.TryReadEffectiveUid(pid);
            string cmdline = ProcReader.TryReadCmdline(pid) ?? "";
            result.Add(new OomCandidate(pid, st.Comm, cmdline.Length > 0 ? cmdline : $"[{st.Comm}]", score,
                ProcReader.TryReadOomScoreAdj(pid) ?? 0, st.RssPages * Environment.SystemPageSize / 1024, cgroup, unit)
            {
                User = uid is { } id ? users.UserName(id) : null,
            });
        }
        return result;
    }
}
