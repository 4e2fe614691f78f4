using Corral.Linux.Kmsg;

namespace Corral.Linux.Tests;

public sealed class OomReportTests
{
    // Read from this machine's kernel log after an OOM kill in a v1 memory cgroup with a 64 MiB limit.
    private const string Context = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/corral-oomprobe,task_memcg=/corral-oomprobe,task=python3,pid=4580,uid=0";
    private const string Killed = "Memory cgroup out of memory: Killed process 4580 (python3) total-vm:218756kB, anon-rss:65152kB, file-rss:2308kB, shmem-rss:0kB, UID:0 pgtables:192kB oom_score_adj:0";

    [Fact]
    public void Parses_the_killed_process_line_with_its_figures()
    {
        Assert.True(OomKillReport.TryParseKilled(Killed, out var r));
        Assert.Equal(new OomKillReport(4580, "python3", 218756, 65152, 2308, 0, 0, 0), r);
    }

    [Fact]
    public void Parses_the_context_line_with_constraint_and_memory_cgroup()
    {
        Assert.True(OomKillReport.TryParseContext(Context, out int pid, out string constraint, out string? memcg));
        Assert.Equal((4580, "CONSTRAINT_MEMCG", "/corral-oomprobe"), (pid, constraint, memcg));
        Assert.True(OomKillReport.TryParseContext(
            "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=hog,pid=77,uid=1000",
            out pid, out constraint, out memcg));
        Assert.Equal((77, "CONSTRAINT_NONE", (string?)null), (pid, constraint, memcg));
    }

    [Theory]
    [InlineData("6,1234,4859371535,-;" + Killed + "\n", Killed)]
    [InlineData("4,99,1,c;oom-kill:constraint=X\n SUBSYSTEM=memory\n", "oom-kill:constraint=X")]
    [InlineData("no separator", null)]
    public void Takes_the_message_out_of_a_kmsg_record(string record, string? message) =>
        Assert.Equal(message, OomKillReport.KmsgMessage(record));

    [Fact]
    public void Other_lines_are_not_reports()
    {
        Assert.False(OomKillReport.TryParseKilled("python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", out _));
        Assert.False(OomKillReport.TryParseContext("Memory cgroup stats for /corral-oomprobe:", out _, out _, out _));
    }
}
