using Corral.Core.State;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;

namespace Corral.Linux.Tests;

/// <summary>The real kernel: a cgroup of the test's own, a process spawned into it through corral-exec, killed through cgroup.kill.</summary>
public sealed class CgroupSpawnTests : IDisposable
{
    private readonly ICgroupManager _cgroups;
    private readonly Spawner _spawner;

    public CgroupSpawnTests()
    {
        var layout = CgroupLayout.Detect();
        _cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-test-linux-{Environment.ProcessId}-{Random.Shared.Next(100000)}"), layout);
        _spawner = new Spawner(Path.Combine(TestReaper.RepoRoot(), "bin", "corral-exec"), TestReaper.Instance);
    }

    private static SpawnRequest Sleep(ServiceCgroup cg, string? workingDirectory = null) => new()
    {
        Executable = "/bin/sleep",
        Argv = ["sleep", "100"],
        Environment = ["PATH=/usr/bin:/bin"],
        CgroupDirs = cg.AllPaths().ToList(),
        WorkingDirectory = workingDirectory,
    };

    [Fact]
    public async Task Spawned_process_starts_inside_every_cgroup_of_the_service_and_dies_by_cgroup_kill()
    {
        var cg = _cgroups.Create("spawn.service", tasksMax: 10, memoryMax: 64UL << 20);
        Assert.Equal(10UL, _cgroups.TasksLimit(cg));
        Assert.Equal(64UL << 20, _cgroups.MemoryLimit(cg));
        using var watcher = new CgroupEventsWatcher();
        var emptied = new ManualResetEventSlim();
        using var watch = watcher.Watch(cg, () => { if (!_cgroups.IsPopulated(cg)) emptied.Set(); });
        var exited = new TaskCompletionSource<ExitStatus>();

        using var handle = _spawner.Spawn(Sleep(cg), (_, status) => exited.TrySetResult(status));

        string own = File.ReadAllText($"/proc/{handle.Pid}/cgroup");
        Assert.Contains("0::/" + Path.GetRelativePath(_cgroups.Layout.UnifiedMount, cg.Path), own);
        if (cg.MemoryV1Path is not null)
            Assert.Contains(":memory:/" + Path.GetRelativePath(_cgroups.Layout.MemoryV1Mount!, cg.MemoryV1Path), own);
        Assert.Equal([handle.Pid], _cgroups.ReadPids(cg));
        Assert.True(_cgroups.IsPopulated(cg));

        _cgroups.KillAll(cg);

        Assert.Equal(ExitStatus.Killed(9), await exited.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(emptied.Wait(TimeSpan.FromSeconds(10)), "inotify on cgroup.events should report the cgroup empty");
        Assert.True(_cgroups.TryRemove(cg));
        Assert.False(Directory.Exists(cg.Path));
    }

    [Fact]
    public async Task Signals_through_the_pidfd_reach_the_process_and_report_it_gone_afterwards()
    {
        var cg = _cgroups.Create("pidfd.service", null, null);
        var exited = new TaskCompletionSource<ExitStatus>();
        using var handle = _spawner.Spawn(Sleep(cg), (_, status) => exited.TrySetResult(status));

        Assert.True(handle.TrySignal(15));
        Assert.Equal(ExitStatus.Killed(15), await exited.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(handle.TrySignal(15));
    }

    [Fact]
    public async Task An_exit_reaped_before_the_spawner_registered_the_pid_reaches_its_handler_not_the_orphan_handler()
    {
        var cg = _cgroups.Create("early.service", null, null);
        var exited = new TaskCompletionSource<ExitStatus>();
        int spawned = 0;
        var orphans = new List<int>();
        Action<int, ExitStatus> onOrphan = (pid, _) => { lock (orphans) orphans.Add(pid); };
        TestReaper.Instance.OrphanExited += onOrphan;
        // A child that lives through the test keeps the reaper in waitid: with no child at all it
        // sleeps until a pid is registered, and would not reap the early exit during the pause.
        using var keeper = _spawner.Spawn(Sleep(cg), (_, _) => { });
        try
        {
            // The process exits at once and the reaper reaps it while the spawner is still busy
            // registering it elsewhere (the pause): its status is parked, then handed to the spawner's handler.
            var request = Sleep(cg) with { Executable = "/bin/sh", Argv = ["sh", "-c", "exit 7"] };
            using var handle = _spawner.Spawn(request, (_, status) => exited.TrySetResult(status), pid =>
            {
                spawned = pid;
                for (int i = 0; i < 200 && File.Exists($"/proc/{pid}/stat"); i++) Thread.Sleep(10); // reaped: /proc forgets it
            });

            Assert.False(File.Exists($"/proc/{spawned}/stat"), "the child should have been reaped during the pause");
            Assert.Equal(ExitStatus.Exited(7), await exited.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            lock (orphans) Assert.DoesNotContain(spawned, orphans);
        }
        finally
        {
            keeper.TrySignal(9);
            TestReaper.Instance.OrphanExited -= onOrphan;
        }
    }

    [Fact]
    public void A_failing_setup_step_is_reported_with_its_name_and_errno()
    {
        var cg = _cgroups.Create("fail.service", null, null);

        var e = Assert.Throws<SpawnException>(() => _spawner.Spawn(Sleep(cg, "/nonexistent-dir"), (_, _) => { }));

        Assert.Equal("chdir", e.Step);
        Assert.Equal(2, e.Errno);
        Assert.Equal("cannot change to working directory /nonexistent-dir: No such file or directory", e.Message);
    }

    [Fact]
    public void Reading_a_cgroup_that_is_being_removed_finds_it_gone_and_does_not_throw()
    {
        // The kernel answers ENODEV to a read of a cgroup file whose cgroup was removed after the open.
        var cg = _cgroups.Create("race.service", null, null);
        int reads = 0, nulls = 0;
        bool racing = true;
        var remover = new Thread(() =>
        {
            for (int i = 0; i < 3000 && Volatile.Read(ref racing); i++)
            {
                Directory.CreateDirectory(cg.Path);
                CgroupFile.TryRemoveDirectory(cg.Path);
            }
            Volatile.Write(ref racing, false);
        });
        remover.Start();
        Exception? thrown = null;
        while (Volatile.Read(ref racing))
        {
            try
            {
                reads++;
                if (CgroupFile.TryRead(Path.Combine(cg.Path, "cgroup.procs")) is null) nulls++;
            }
            catch (CgroupException e)
            {
                thrown = e;
                Volatile.Write(ref racing, false);
            }
        }
        remover.Join();
        Assert.Null(thrown);
        Assert.True(nulls > 0 && reads > nulls, $"the race was not run: {reads} reads, {nulls} found nothing");
    }

    public void Dispose() => _cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(5));
}
