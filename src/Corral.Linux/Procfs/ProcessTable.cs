using System.Globalization;

namespace Corral.Linux.Procfs;

/// <summary>
/// How full the machine's process table is. Every thread takes a pid, so the pids in use are the
/// threads (the kernel's nr_threads, the total in /proc/loadavg), set against both kernel.pid_max and
/// kernel.threads-max; Processes counts thread-group leaders (the numeric entries of /proc).
/// </summary>
public sealed record ProcessTableUse(int? Processes, long Threads, long PidMax, long ThreadsMax)
{
    public double PidShare => PidMax > 0 ? (double)Threads / PidMax : 0;
    public double ThreadShare => ThreadsMax > 0 ? (double)Threads / ThreadsMax : 0;
    /// <summary>The nearer limit's share: the one that makes fork fail first.</summary>
    public double Share => Math.Max(PidShare, ThreadShare);
    public string NearerLimit => ThreadShare > PidShare ? "kernel.threads-max" : "kernel.pid_max";

    public override string ToString() =>
        $"{Threads} threads{(Processes is { } p ? $" in {p} processes" : "")}: {Percent(PidShare)} of kernel.pid_max {PidMax}, {Percent(ThreadShare)} of kernel.threads-max {ThreadsMax}";

    public static string Percent(double share) => (share * 100).ToString(share < 0.1 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + "%";
}

public static class ProcessTable
{
    /// <summary>Cheap (three small files): the thread count and the limits, for a periodic check.</summary>
    public static ProcessTableUse ReadThreads(string procRoot = "/proc") =>
        new(null, ReadThreadCount(procRoot), ReadLimit($"{procRoot}/sys/kernel/pid_max"), ReadLimit($"{procRoot}/sys/kernel/threads-max"));

    /// <summary>Also counts the processes, by listing /proc.</summary>
    public static ProcessTableUse Read(string procRoot = "/proc")
    {
        return ReadThreads(procRoot) with { Processes = ProcReader.AllPids(procRoot).Count() };
    }

    /// <summary>/proc/loadavg: "0.12 0.10 0.09 2/345 6789", the total after the slash is nr_threads.</summary>
    public static long ParseLoadavgThreads(string loadavg)
    {
        var fields = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int slash = fields.Length > 3 ? fields[3].IndexOf('/') : -1;
        if (slash < 0 || !long.TryParse(fields[3].AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            throw new FormatException($"/proc/loadavg '{loadavg.Trim()}' has no running/total field");
        return n;
    }

    private static long ReadThreadCount(string procRoot) => ParseLoadavgThreads(File.ReadAllText($"{procRoot}/loadavg"));

    private static long ReadLimit(string path) =>
        long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : 0;
}
