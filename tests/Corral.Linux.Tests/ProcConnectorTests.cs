using System.Collections.Concurrent;
using Corral.Linux.Cgroups;
using Corral.Linux.ProcConnector;
using Corral.Linux.Spawn;

namespace Corral.Linux.Tests;

public sealed class ProcConnectorTests : IDisposable
{
    // Two datagrams read from this machine's kernel: pid 20435 forked 20436, which then exited with status 3.
    private const string ForkMessage = "4c0000000300000001000000000000000100000001000000010000000000000028000000010000000000000062c41bf7df020000d34f0000d34f0000d44f0000d44f00000000000000000000";
    private const string ExitMessage = "4c00000003000000020000000000000001000000010000000200000000000000280000000000008000000000f66f17fddf020000d44f0000d44f00000003000011000000d34f0000d34f0000";

    private readonly ICgroupManager _cgroups;

    public ProcConnectorTests()
    {
        var layout = CgroupLayout.Detect();
        _cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-test-cn-{Environment.ProcessId}-{Random.Shared.Next(100000)}"), layout);
    }

    [Fact]
    public void Parses_real_fork_and_exit_datagrams()
    {
        Assert.True(ProcEvent.TryParse(Convert.FromHexString(ForkMessage), out var fork));
        Assert.Equal(ProcEventKind.Fork, fork.Kind);
        Assert.Equal(20436, fork.Pid);
        Assert.Equal(20435, fork.ParentPid);

        Assert.True(ProcEvent.TryParse(Convert.FromHexString(ExitMessage), out var exit));
        Assert.Equal(ProcEventKind.Exit, exit.Kind);
        Assert.Equal(20436, exit.Pid);
        Assert.Equal(20435, exit.ParentPid);
        Assert.Equal(3 << 8, exit.RawStatus);
    }

    [Fact]
    public void Thread_events_and_short_datagrams_are_not_process_events()
    {
        var thread = Convert.FromHexString(ForkMessage);
        thread[60] = 0xd5; // child pid (offset 60) differs from child tgid (64): a new thread
        Assert.False(ProcEvent.TryParse(thread, out _));
        Assert.False(ProcEvent.TryParse(Convert.FromHexString(ExitMessage)[..40], out _));
    }

    [Fact]
    public async Task Reports_the_fork_and_the_raw_exit_status_of_a_grandchild_reaped_by_its_own_parent()
    {
        var events = new ConcurrentQueue<ProcEvent>();
        using var listener = new ProcConnectorListener(events.Enqueue);
        var cg = _cgroups.Create("cn.service", null, null);
        var spawner = new Spawner(Path.Combine(TestReaper.RepoRoot(), "bin", "corral-exec"), TestReaper.Instance);
        var done = new TaskCompletionSource();
        // The shell forks a child that kills itself with SIGSEGV; the shell reaps it, not us.
        using var sh = spawner.Spawn(new SpawnRequest
        {
            Executable = "/bin/sh",
            Argv = ["sh", "-c", "sh -c 'kill -SEGV $$'; exit 7"],
            Environment = ["PATH=/usr/bin:/bin"],
            CgroupDirs = cg.AllPaths().ToList(),
        }, (_, _) => done.TrySetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);

        var forks = events.Where(e => e.Kind == ProcEventKind.Fork && e.ParentPid == sh.Pid).ToList();
        int grandchild = Assert.Single(forks).Pid;
        var exits = events.Where(e => e.Kind == ProcEventKind.Exit).ToDictionary(e => e.Pid);
        Assert.Equal(11, exits[grandchild].RawStatus & 0x7f); // killed by SIGSEGV, not exit 139
        Assert.Equal(7 << 8, exits[sh.Pid].RawStatus);
        Assert.Equal(0, listener.Overruns);
    }

    [Fact]
    public async Task A_fork_events_time_names_the_start_of_the_process_it_created()
    {
        var events = new ConcurrentQueue<ProcEvent>();
        using var listener = new ProcConnectorListener(events.Enqueue);
        var cg = _cgroups.Create("start.service", null, null);
        var spawner = new Spawner(Path.Combine(TestReaper.RepoRoot(), "bin", "corral-exec"), TestReaper.Instance);
        var done = new TaskCompletionSource();
        // Twenty children, forked over about a second, that live long enough to be looked at.
        using var sh = spawner.Spawn(new SpawnRequest
        {
            Executable = "/bin/sh",
            Argv = ["sh", "-c", "for i in $(seq 20); do sleep 3 & sleep 0.05; done; wait"],
            Environment = ["PATH=/usr/bin:/bin"],
            CgroupDirs = cg.AllPaths().ToList(),
        }, (_, _) => done.TrySetResult());
        for (int i = 0; i < 100 && events.Count(e => e.Kind == ProcEventKind.Fork && e.ParentPid == sh.Pid) < 40; i++) await Task.Delay(50);
        var forks = events.Where(e => e.Kind == ProcEventKind.Fork && e.ParentPid == sh.Pid).ToList();
        int checkedCount = 0;
        foreach (var f in forks)
        {
            if (!Procfs.ProcReader.TryReadStat(f.Pid, out var st)) continue; // a seq or an early sleep that ended
            Assert.True(Procfs.StartTicks.Same(st!.StartTimeTicks, Procfs.StartTicks.FromEvent(f.TimestampNs)),
                $"pid {f.Pid}: event says tick {Procfs.StartTicks.FromEvent(f.TimestampNs)}, /proc says {st.StartTimeTicks}");
            checkedCount++;
        }
        Assert.True(checkedCount >= 15, $"only {checkedCount} children could be looked at");
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_full_socket_buffer_is_counted_as_an_overrun_and_reported()
    {
        int reported = 0;
        // A slow handler and the smallest buffer the kernel allows: a burst of forks must overflow it.
        using var listener = new ProcConnectorListener(_ => Thread.Sleep(20), receiveBufferBytes: 1024);
        listener.Overrun += () => Interlocked.Increment(ref reported);
        var cg = _cgroups.Create("burst.service", null, null);
        var spawner = new Spawner(Path.Combine(TestReaper.RepoRoot(), "bin", "corral-exec"), TestReaper.Instance);
        var done = new TaskCompletionSource();
        using var sh = spawner.Spawn(new SpawnRequest
        {
            Executable = "/bin/sh",
            Argv = ["sh", "-c", "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done"],
            Environment = ["PATH=/usr/bin:/bin"],
            CgroupDirs = cg.AllPaths().ToList(),
        }, (_, _) => done.TrySetResult());
        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        for (int i = 0; i < 100 && listener.Overruns == 0; i++) await Task.Delay(50);

        Assert.True(listener.Overruns > 0, "300 forks into a 1 KiB buffer read at 50 events a second lost nothing");
        Assert.True(Volatile.Read(ref reported) > 0, "the Overrun event was not raised");
    }

    public void Dispose() => _cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(5));
}
