using Corral.Core.State;
using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>
/// Owns one service's live state: its state machine, main and control process, cgroup, timer.
/// The state belongs to the unit's <see cref="Mailbox"/>: every event (request, exit, cgroup change,
/// timeout) is posted to it and handled there, one at a time, and no other thread touches the
/// fields. The state machine decides and <see cref="Execute"/> carries out its actions. After each
/// item the loop publishes an immutable <see cref="RunnerView"/>, which is all that readers (status,
/// list, the monitor, /metrics) see: they never wait on the loop, however busy it is.
/// </summary>
internal sealed partial class ServiceRunner : IDisposable
{
    private readonly Mailbox _loop;
    private readonly ServiceContext _ctx;
    private readonly ServiceStateMachine _fsm;
    private readonly Queue<ServiceEvent> _pending = new();
    private readonly List<(Func<ServiceState, bool> Done, TaskCompletionSource Tcs)> _waiters = [];
    private IProcessHandle? _main, _control;
    private int _lastMainPid, _lastControlPid;
    // How the process of _lastMainPid ended; null while it runs. Reset with every new main process,
    // so that show's ExecMainPID/Code/Status always describe one process, never two runs mixed.
    private ExitStatus? _lastMainExit;
    private ServiceCgroup? _cgroup;
    private SandboxFiles? _sandboxFiles;
    // DynamicUser=: the user lent to the current run (found again from DynamicUsers' files after a daemon restart).
    private Linux.Users.UserEntry? _dynamicUser;
    private IDisposable? _watch;
    private OutputPipes? _pipes;
    private bool _disposed;
    private ServiceLog? _log;
    // The state machine's one timer, and the watchdog's.
    private readonly LoopTimer _timer, _watchdogTimer;
    // A signal pass's wait for its freeze (ServiceRunner.SignalPass.cs).
    private readonly LoopTimer _passTimer;
    private bool _handling;
    // What this run's spawns could not give as asked (a limit lowered): shown in status and said by start.
    private readonly List<string> _spawnWarnings = [];
    private ulong? _oomKillsAtStart;
    // The job behind the signals sent now, for the death records: its verb and who asked.
    private string _jobVerb = "stop";
    private int? _jobUid;
    // Variables the last start job gave this run beyond the unit's ($MONITOR_* of an OnFailure= handler).
    private IReadOnlyList<KeyValuePair<string, string>> _jobEnvironment = [];
    // The last start job's Condition*= or Assert*= that was not met (null: all were), and when it was tested.
    private string? _unmetCondition, _unmetAssert;
    private DateTimeOffset? _conditionAt;
    // What started the run when no request did ("nightly.timer, due …"); when the unit last left and entered inactive.
    private string? _startedBy;
    private DateTimeOffset? _activatedAt, _deactivatedAt;

    public ServiceRunner(ServiceUnit unit, ServiceContext ctx)
    {
        _ctx = ctx;
        _loop = new Mailbox(unit.Name);
        _fsm = new ServiceStateMachine(unit);
        _timer = new LoopTimer(_loop, ctx.Clock);
        _watchdogTimer = new LoopTimer(_loop, ctx.Clock);
        _passTimer = new LoopTimer(_loop, ctx.Clock);
        _stateSince = ctx.Clock.GetLocalNow();
        _view = View();
    }

    // Loop-owned, with the rest of the fields; readers use the published view.
    private DateTimeOffset _stateSince;
    private string? LastError { get; set; }
    private IReadOnlyList<int> LeftOver { get; set; } = [];
    /// <summary>Processes that had escaped the cgroup and were left running when the last run ended.</summary>
    private IReadOnlyList<Escapee> EscapedLeft { get; set; } = [];

    /// <summary>The runner as its loop last published it: what every reader uses, from any thread, never waiting.</summary>
    private volatile RunnerView _view;

    /// <summary>The unit's definition as last applied (on the loop).</summary>
    public ServiceUnit Unit => _view.Unit;
    public ServiceState State => _view.State;

    /// <summary>Publishes what readers see; called on the loop at the end of every item that changes state.</summary>
    private void Publish() => _view = View();

    private RunnerView View() => new(_fsm.Unit, _fsm.State, _stateSince, _main?.Pid ?? 0, _control?.Pid ?? 0, _lastMainPid, _lastMainExit,
        _fsm.Result, _fsm.RestartDelay(), _fsm.NRestarts, LastError, LeftOver, EscapedLeft, _cgroup, _log)
        {
            StatusText = _statusText, StatusErrno = _statusErrno, NotifyRefused = _notifyRefused, NotifyLastRefused = _notifyLastRefused,
            SpawnWarnings = _spawnWarnings.Count == 0 ? [] : [.. _spawnWarnings],
            UnmetCondition = _unmetCondition ?? _fsm.UnmetCondition, UnmetAssert = _unmetAssert, ConditionAt = _conditionAt,
            StartedBy = _startedBy, ActivatedAt = _activatedAt, DeactivatedAt = _deactivatedAt, FdStoreCount = _fdStore.Count,
        };

    /// <summary>The published view, for what a timer needs of the unit it starts.</summary>
    public RunnerView Activity => _view;

    /// <summary>The service's cgroup as /proc/PID/cgroup names it, whether or not it exists now.</summary>
    private string CgroupPathInProc => _ctx.Cgroups.Layout.ProcPath(_ctx.Cgroups.For(Unit.Name).Path);

    /// <summary>The service's processes outside its cgroup now (any thread: the cgroup given, the tracker's lineage).</summary>
    private List<Escapee> Escapees(Linux.Cgroups.ServiceCgroup? cgroup)
    {
        var inCgroup = cgroup is null ? [] : _ctx.Cgroups.ReadPids(cgroup).ToHashSet();
        return _ctx.Tracker.EscapeesOf(Unit.Name, CgroupPathInProc, inCgroup).Select(e => new Escapee(e.Pid, e.Comm, e.Cgroup)).ToList();
    }

    /// <summary>daemon-reload: the new definition applies from the next transition on; done once the loop has it.</summary>
    public Task UpdateUnitAsync(ServiceUnit unit) => _loop.Ask(() =>
    {
        _fsm.Unit = unit;
        Publish();
    });

    /// <summary>
    /// Feeds an event to the state machine. On the loop, it is handled there (after the event being
    /// handled, if any, with every follow-up in order); from any other thread, it is posted to the loop.
    /// </summary>
    private void Post(ServiceEvent e)
    {
        if (!_loop.IsCurrent)
        {
            _loop.Post(() => Post(e));
            return;
        }
        _pending.Enqueue(e);
        if (_handling) return;
        _handling = true;
        try
        {
            while (_pending.TryDequeue(out var next))
            {
                var before = _fsm.State;
                var actions = _fsm.Handle(next, Facts());
                // A frozen service is thawed before anything is done to it outside Running (a
                // stop's signals, ExecStop=, ExecReload=), as systemd thaws before a job. Only
                // Running can be frozen, and every way out of it acts at once, so that is the moment.
                if (before == ServiceState.Running && _fsm.State != ServiceState.Running && actions.Count > 0) ThawIfFrozen();
                if (_fsm.State != before)
                {
                    // Readers see the new state while its actions run: a spawn waits for its exec,
                    // and status must say "activating" meanwhile, not the state before the start.
                    _stateSince = _ctx.Clock.GetLocalNow();
                    if (ServiceStateNames.IsInactive(before) && !ServiceStateNames.IsInactive(_fsm.State)) _activatedAt = _stateSince;
                    else if (!ServiceStateNames.IsInactive(before) && ServiceStateNames.IsInactive(_fsm.State))
                    {
                        _deactivatedAt = _stateSince;
                        ReleaseFdStore(); // stopped or failed for good (an automatic restart keeps it)
                    }
                    Publish();
                }
                foreach (var a in actions) Execute(a);
            }
        }
        finally
        {
            _handling = false;
        }
        PersistRun();
        Publish();
        NotifyWaiters();
        _ctx.Changes.Notify(Unit.Name);
    }

    private ServiceFacts Facts() => new(_main is not null, _control is not null, _cgroup is null || !_ctx.Cgroups.IsPopulated(_cgroup),
        (long)_ctx.Clock.GetElapsedTime(0).TotalMilliseconds);

    private void NotifyWaiters()
    {
        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_waiters[i].Done(_fsm.State))
            {
                _waiters[i].Tcs.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// On the loop: completes when the state satisfies <paramref name="done"/> (checked now and after
    /// every event). Registered in the same item as the request it waits on, so no event is missed.
    /// </summary>
    private Task WaitFor(Func<ServiceState, bool> done)
    {
        if (done(_fsm.State)) return Task.CompletedTask;
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiters.Add((done, tcs));
        return tcs.Task;
    }

    /// <summary>The cgroup watcher's thread: the cgroup's populated or frozen state changed.</summary>
    private void OnCgroupChanged() => _loop.Post(() =>
    {
        ContinueSignalPass(); // "frozen" is a cgroup event too
        if (_cgroup is null || _ctx.Cgroups.IsPopulated(_cgroup)) return;
        if (ServiceStateNames.HasNoRun(_fsm.State))
        {
            // Left-over processes of a stopped run have gone: the cgroup can go too.
            LeftOver = [];
            ReleaseCgroup();
            Publish();
            _ctx.Changes.Notify(Unit.Name);
            return;
        }
        Post(ServiceEvent.Empty);
    });

    /// <summary>The reaper's thread (or the tracker's, for an adopted process): a process of the unit exited.</summary>
    private void OnProcessExit(IProcessHandle handle, ExitStatus status)
    {
        _ctx.Tracker.OnReaped(handle.Pid, status);
        _loop.Post(() =>
        {
            if (ReferenceEquals(handle, _main))
            {
                if (_fsm.State == ServiceState.Running) (_jobVerb, _jobUid) = ("stop after the main process exited", null);
                _main = null;
                _lastMainExit = status;
                handle.Dispose();
                bool oom = status == ExitStatus.Killed(Core.Signals.SignalNames.SigKill) && _cgroup is not null
                    && _ctx.Cgroups.OomKills(_cgroup) > _oomKillsAtStart;
                Post(ServiceEvent.MainExit(status, oom));
            }
            else if (ReferenceEquals(handle, _control))
            {
                _control = null;
                handle.Dispose();
                // ExecCondition= saying no (1–254) is no error: status says it as the unmet condition.
                bool conditionSaysNo = _fsm.State == ServiceState.Condition && status.Code == ExitCode.Exited && status.Value is >= 1 and <= 254;
                if (status != ExitStatus.Exited(0) && !conditionSaysNo) LastError = $"control process {handle.Pid} {status}";
                Post(ServiceEvent.ControlExit(status));
            }
            else handle.Dispose(); // a process of a finished run, or a failed spawn: nothing waits for it
        });
    }

    private void ArmTimer(TimeSpan after) => _timer.Arm(after, () => Post(ServiceEvent.TimedOut));

    private void ReleaseCgroup()
    {
        // Nothing of the run is left: its private /tmp and namespace pins go too.
        foreach (var failure in _sandboxFiles?.Release() ?? [])
        {
            LastError ??= failure;
            Console.Error.WriteLine($"corral: {Unit.Name}: {failure}");
        }
        EndUserRun();
        if (_cgroup is null) return;
        // The death recorder may take the run's last death in after this: it then reads these instead.
        _ctx.Tracker.MemoryAtRelease(Unit.Name, _ctx.Cgroups.OomKills(_cgroup), _ctx.Cgroups.MemoryLimit(_cgroup), _ctx.Cgroups.MemoryPeak(_cgroup));
        if (_ctx.Cgroups.TryRemove(_cgroup))
        {
            _watch?.Dispose();
            _watch = null;
            _cgroup = null;
        }
    }

    /// <summary>Closes what the runner holds, on its loop (waited for, a few seconds at most: the daemon is ending).</summary>
    public void Dispose() => _loop.Ask(() =>
    {
        if (_disposed) return; // the manager may dispose it again at the very end
        _timer.Dispose();
        _watchdogTimer.Dispose();
        _passTimer.Dispose();
        _watch?.Dispose();
        _disposed = true;
        _pipes?.Dispose();
        _log?.Dispose();
        _main?.Dispose();
        _control?.Dispose();
        ReleaseFdStore();
    }).Wait(TimeSpan.FromSeconds(10));
}
