using Corral.Linux.Procfs;

namespace Corral.Linux.Tests;

public sealed class ProcStatTests
{
    [Theory]
    // Real lines from this machine's kernel; the last two have names with spaces and ')' in them.
    [InlineData("12177 (cat) R 12175 12175 1024 0 -1 4194304 97 0 0 0 0 0 0 0 20 0 1 0 93785 3133440 381 18446744073709551615 94439867846656 94439867866537 140732788275296 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94439867882544 94439867884160 94440666857472 140732788279778 140732788279798 140732788279798 140732788281323 0",
        12177, "cat", 'R', 12175, 1024, 93785UL, 381L)]
    [InlineData("3593 (sleep) Z 3591 3591 3591 0 -1 4194564 98 0 0 0 0 0 0 0 20 0 1 0 6620 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        3593, "sleep", 'Z', 3591, 3591, 6620UL, 0L)]
    [InlineData("42 (my prog) R 7 42 42 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 100 1000 5 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        42, "my prog", 'R', 7, 42, 100UL, 5L)]
    [InlineData("43 (a) b (c)) S 7 43 43 0 -1 4194304 1 0 0 0 0 0 0 0 20 0 1 0 101 1000 5 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
        43, "a) b (c)", 'S', 7, 43, 101UL, 5L)]
    public void Parses_from_the_last_parenthesis(string line, int pid, string comm, char state, int ppid, int session, ulong start, long rss)
    {
        Assert.True(ProcStat.TryParse(line, out var st));
        Assert.Equal(new ProcStat(pid, comm, state, ppid, session, start, rss), st! with { UserTicks = 0, SystemTicks = 0, VirtualBytes = 0 });
    }

    [Fact]
    public void Reads_cpu_times_and_virtual_size()
    {
        // Fields 14 and 15 (utime 7, stime 3) and 23 (vsize), counted after the last ')'.
        Assert.True(ProcStat.TryParse("9 (x) y) S 1 9 9 0 -1 4194304 97 0 0 0 7 3 0 0 20 0 1 0 93785 3133440 381 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0", out var st));
        Assert.Equal((7UL, 3UL, 3133440UL, 381L), (st!.UserTicks, st.SystemTicks, st.VirtualBytes, st.RssPages));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12 (x")]
    [InlineData("12 (x) S 1")]
    public void Rejects_truncated_lines(string line) => Assert.False(ProcStat.TryParse(line, out _));

    [Fact]
    public void Reads_this_process()
    {
        Assert.True(ProcReader.TryReadStat(Environment.ProcessId, out var st));
        Assert.Equal(Environment.ProcessId, st!.Pid);
        Assert.False(ProcReader.TryReadStat(int.MaxValue - 1, out _));
    }

    [Fact]
    public void A_start_time_is_the_wall_clock_time_of_the_fork_to_a_few_clock_ticks()
    {
        // Spawned through the shared test reaper: System.Diagnostics.Process would wait forever for
        // an exit the reaper's waitid(P_ALL) takes first.
        _ = Corral.Linux.Procfs.ProcReader.BootTime; // once computed, the boot time is reused
        var spawner = new Corral.Linux.Spawn.Spawner(Path.Combine(TestReaper.RepoRoot(), "bin", "corral-exec"), TestReaper.Instance);
        var before = DateTimeOffset.UtcNow;
        using var p = spawner.Spawn(new Corral.Linux.Spawn.SpawnRequest
        {
            Executable = "/bin/sleep", Argv = ["sleep", "5"], Environment = [], CgroupDirs = [],
        }, (_, _) => { });
        var after = DateTimeOffset.UtcNow;
        try
        {
            Assert.True(Corral.Linux.Procfs.ProcReader.TryReadStat(p.Pid, out var st));
            var started = Corral.Linux.Procfs.ProcReader.StartTime(st!);
            Assert.InRange(started, before.AddMilliseconds(-30), after.AddMilliseconds(30));
        }
        finally
        {
            p.TrySignal(9);
        }
    }
}
