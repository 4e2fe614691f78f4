using Corral.Linux.Procfs;

namespace Corral.Linux.Tests;

public sealed class ProcessTableTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("corral-proc-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_thread_total_is_the_figure_after_the_slash_in_loadavg()
    {
        Assert.Equal(6789, ProcessTable.ParseLoadavgThreads("0.12 0.10 0.09 2/6789 43210\n"));
        var e = Assert.Throws<FormatException>(() => ProcessTable.ParseLoadavgThreads("0.12 0.10\n"));
        Assert.Contains("/proc/loadavg", e.Message);
    }

    [Fact]
    public void Processes_threads_and_shares_come_from_a_proc_tree()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sys/kernel"));
        File.WriteAllText(Path.Combine(_root, "loadavg"), "0.00 0.01 0.05 1/900 5000\n");
        File.WriteAllText(Path.Combine(_root, "sys/kernel/pid_max"), "1000\n");
        File.WriteAllText(Path.Combine(_root, "sys/kernel/threads-max"), "3000\n");
        foreach (var d in new[] { "1", "42", "4999", "self", "sys", "net" }) Directory.CreateDirectory(Path.Combine(_root, d));

        var use = ProcessTable.Read(_root);

        Assert.Equal((3, 900L, 1000L, 3000L), (use.Processes!.Value, use.Threads, use.PidMax, use.ThreadsMax));
        Assert.Equal(0.9, use.Share, 6);
        Assert.Equal("kernel.pid_max", use.NearerLimit);
        Assert.Equal("900 threads in 3 processes: 90% of kernel.pid_max 1000, 30% of kernel.threads-max 3000", use.ToString());
        Assert.Null(ProcessTable.ReadThreads(_root).Processes);
    }

    [Fact]
    public void This_machine_reads_its_own_limits()
    {
        var use = ProcessTable.Read();
        Assert.Equal(long.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim()), use.PidMax);
        Assert.Equal(long.Parse(File.ReadAllText("/proc/sys/kernel/threads-max").Trim()), use.ThreadsMax);
        Assert.InRange(use.Processes!.Value, 1, use.Threads); // every process has at least one thread
    }
}
