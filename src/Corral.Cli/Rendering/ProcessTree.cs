using Corral.Daemon.Wire;

namespace Corral.Cli.Rendering;

/// <summary>The cgroup's processes as a tree by parent pid, as systemctl status draws it.</summary>
internal static class ProcessTree
{
    /// <summary>Every process in tree order, with the "├─" / "└─" prefix that places it.</summary>
    public static List<(ProcessInfo Process, string Prefix)> Walk(IReadOnlyList<ProcessInfo> procs)
    {
        var pids = procs.Select(p => p.Pid).ToHashSet();
        var children = procs.GroupBy(p => p.Ppid).ToDictionary(g => g.Key, g => g.OrderBy(p => p.Pid).ToList());
        var roots = procs.Where(p => !pids.Contains(p.Ppid)).OrderBy(p => p.Pid).ToList();
        var rows = new List<(ProcessInfo, string)>();
        for (int i = 0; i < roots.Count; i++) Walk(roots[i], "", i == roots.Count - 1, children, rows, 0);
        return rows;
    }

    /// <summary>systemctl status's lines: "├─PID COMMAND LINE".</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<ProcessInfo> procs, int maxWidth = 200) =>
        Walk(procs).Select(r => Clip($"{r.Prefix}{r.Process.Pid} {Command(r.Process)}", maxWidth));

    public static string Command(ProcessInfo p) => p.State == "Z" ? $"[{p.Comm}] <defunct>" : p.Cmdline;

    public static string Clip(string line, int width) => line.Length > width ? line[..width] : line;

    private static void Walk(ProcessInfo p, string indent, bool last, Dictionary<int, List<ProcessInfo>> children, List<(ProcessInfo, string)> rows, int depth)
    {
        rows.Add((p, $"{indent}{(last ? "└─" : "├─")}"));
        if (depth > 64 || !children.TryGetValue(p.Pid, out var kids)) return;
        for (int i = 0; i < kids.Count; i++)
            Walk(kids[i], indent + (last ? "  " : "│ "), i == kids.Count - 1, children, rows, depth + 1);
    }
}
