using Corral.Daemon.Api;

namespace Corral.Cli.Rendering;

/// <summary>The cgroup's processes as a tree by parent pid, as systemctl status draws it.</summary>
public static class ProcessTree
{
    public static IEnumerable<string> Lines(IReadOnlyList<ProcessInfo> procs, int maxWidth = 200)
    {
        var pids = procs.Select(p => p.Pid).ToHashSet();
        var children = procs.GroupBy(p => p.Ppid).ToDictionary(g => g.Key, g => g.OrderBy(p => p.Pid).ToList());
        var roots = procs.Where(p => !pids.Contains(p.Ppid)).OrderBy(p => p.Pid).ToList();
        var lines = new List<string>();
        for (int i = 0; i < roots.Count; i++) Walk(roots[i], "", i == roots.Count - 1, children, lines, maxWidth, 0);
        return lines;
    }

    private static void Walk(ProcessInfo p, string indent, bool last, Dictionary<int, List<ProcessInfo>> children, List<string> lines, int maxWidth, int depth)
    {
        string line = $"{indent}{(last ? "└─" : "├─")}{p.Pid} {p.Cmdline}";
        lines.Add(line.Length > maxWidth ? line[..maxWidth] : line);
        if (depth > 64 || !children.TryGetValue(p.Pid, out var kids)) return;
        for (int i = 0; i < kids.Count; i++)
            Walk(kids[i], indent + (last ? "  " : "│ "), i == kids.Count - 1, children, lines, maxWidth, depth + 1);
    }
}
