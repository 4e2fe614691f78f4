using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Daemon.Deaths;

namespace Corral.Daemon.Tests;

/// <summary>
/// The lineage alone, fed real connector datagrams on the test's thread (its one owner here). It
/// reads nothing from /proc, so the pids need not exist.
/// </summary>
public sealed class LineageTests
{
    private const string Unit = "web.service";
    private readonly List<(int Pid, TrackedProcess Process, ExitStatus Status)> _deaths = [];
    private readonly List<int> _execs = [];
    private readonly Lineage _lineage;

    public LineageTests() => _lineage = new Lineage((pid, t, s) => _deaths.Add((pid, t, s)), (pid, _) => _execs.Add(pid));

    private static TrackedProcess MainProcess(ulong start = 0) => new(Unit, ProcessRoles.Main, "web", "web --serve", DateTimeOffset.Now, start);

    [Fact]
    public void Forks_of_a_registered_process_are_followed_and_their_exits_become_deaths_and_zombie_candidates()
    {
        _lineage.Register(4100, MainProcess());
        _lineage.OnProcEvent(Datagrams.Fork(4100, 4101));
        _lineage.OnProcEvent(Datagrams.Fork(4101, 4102));
        Assert.Equal([4100, 4101, 4102], _lineage.PidsOf(Unit).Order());
        Assert.Null(_lineage.Get(4103));

        // The grandchild dies of SIGSEGV while its parent lives: a death, and a zombie until reaped.
        _lineage.OnProcEvent(Datagrams.Exit(4102, 4101, 11));
        var (pid, process, status) = Assert.Single(_deaths);
        Assert.Equal((4102, ProcessRoles.Process, ExitStatus.Killed(11)), (pid, process.Role, status));
        var (zombie, parentComm) = Assert.Single(_lineage.ZombieCandidatesOf(Unit));
        Assert.Equal((4102, 4101, "web"), (zombie.Pid, zombie.Parent, parentComm));

        // The main process's exit event is not its record: the reaper's word is.
        _lineage.OnProcEvent(Datagrams.Exit(4100, Environment.ProcessId, 0));
        Assert.Single(_deaths);
        _lineage.Reaped(4100, ExitStatus.Exited(0));
        Assert.Equal((4100, ProcessRoles.Main), (_deaths[^1].Pid, _deaths[^1].Process.Role));
        Assert.Equal(4, _lineage.ProcEvents);
    }

    [Fact]
    public void A_fork_read_before_its_parent_was_registered_is_adopted_when_it_is()
    {
        // The spawner's registration is posted; the child's fork can be read first.
        _lineage.OnProcEvent(Datagrams.Fork(4200, 4201));
        Assert.Empty(_lineage.PidsOf(Unit));
        _lineage.Register(4200, MainProcess());
        Assert.Equal([4200, 4201], _lineage.PidsOf(Unit).Order());
    }

    [Fact]
    public void An_exec_asks_for_a_new_name_which_is_taken_unless_it_is_the_executors_or_another_processes()
    {
        _lineage.Register(4300, MainProcess(start: 500));
        _lineage.OnProcEvent(new Linux.ProcConnector.ProcEvent(Linux.ProcConnector.ProcEventKind.Exec, 4300, 4300, 0, 0));
        Assert.Equal([4300], _execs);

        _lineage.Renamed(4300, new TrackedProcess(Unit, ProcessRoles.Main, "corral-exec", null, null, 500));
        Assert.Equal("web", _lineage.Get(4300)!.Comm); // posix_spawn's exec of the executor, read late
        _lineage.Renamed(4300, new TrackedProcess(Unit, ProcessRoles.Main, "nginx", "nginx -g daemon off;", null, 900));
        Assert.Equal("web", _lineage.Get(4300)!.Comm); // another process's by now (other start)
        _lineage.Renamed(4300, new TrackedProcess(Unit, ProcessRoles.Main, "nginx", "nginx -g daemon off;", null, 500));
        Assert.Equal(("nginx", "nginx -g daemon off;"), (_lineage.Get(4300)!.Comm, _lineage.Get(4300)!.Cmdline));
    }

    [Fact]
    public void Forks_outside_any_service_are_not_tracked_and_a_later_registration_claims_only_its_own()
    {
        for (int i = 0; i < 3000; i++) _lineage.OnProcEvent(Datagrams.Fork(90_000 + i, 100_000 + i));
        Assert.Empty(_lineage.PidsOf(Unit));
        _lineage.Register(91_000, MainProcess());
        Assert.Equal([91_000, 101_000], _lineage.PidsOf(Unit).Order());
    }
}
