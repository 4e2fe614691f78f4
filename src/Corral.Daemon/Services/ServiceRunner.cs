using Corral.Core.State;
using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Services;

/// <summary>
/// Owns one service's live state: its state machine, main and control process, cgroup, timer.
/// Every event (request, exit, cgroup change, timeout) is handled under one lock, one at a time;
/// the state machine decides and <see cref="Execute"/> carries out its actions.
/// </summary>
public sealed partial class ServiceRunner : IDisposable
{
    private readonly object _gate = new();
    private readonly ServiceContext _ctx;
    private readonly ServiceStateMachine _fsm;
    private readonly Queue<ServiceEvent> _pending = new();
    private readonly List<(Func<ServiceState, bool> Done, TaskCompletionSource Tcs)> _waiters = [];
    private ProcessHandle? _main, _control;
    private int _lastMainPid, _lastControlPid;
    // How the process of _lastMainPid ended; null while it runs. Reset with every new main process,
    // so that show's ExecMainPID/Code/Status always describe one process, never two runs mixed.
    private ExitStatus? _lastMainExit;
    private ServiceCgroup? _cgroup;
    private IDisposable? _watch;
    private OutputPipes? _pipes;
    private ServiceLog? _log;
    private Timer? _timer;
    private long _timerGeneration;
    private bool _handling;
    // Set once the current run is up: a start job has succeeded even if the service dies right after.
    private bool _runningReached;
    private ulong? _oomKillsAtStart;
    // The job behind the signals sent now, for the death records: its verb and who asked.
    private string _jobVerb = "stop";
    private int? _jobUid;

    public ServiceRunner(ServiceUnit unit, ServiceContext ctx)
    {
        _ctx = ctx;
        _fsm = new ServiceStateMachine(unit);
        StateSince = DateTimeOffset.Now;
    }

    public ServiceUnit Unit => _fsm.Unit;
    public ServiceState State { get { lock (_gate) return _fsm.State; } }
    public DateTimeOffset StateSince { get; private set; }
    public string? LastError { get; private set; }
    public IReadOnlyList<int> LeftOver { get; private set; } = [];
    /// <summary>Processes that had escaped the cgroup and were left running when the last run ended.</summary>
    public IReadOnlyList<Api.Escapee> EscapedLeft { get; private set; } = [];

    /// <summary>The service's cgroup as /proc/PID/cgroup names it, whether or not it exists now.</summary>
    private string CgroupPathInProc => "/" + Path.GetRelativePath(_ctx.Cgroups.Layout.UnifiedMount, _ctx.Cgroups.For(Unit.Name).Path);

    private List<Api.Escapee> Escapees()
    {
        var inCgroup = _cgroup is null ? [] : _ctx.Cgroups.ReadPids(_cgroup).ToHashSet();
        return _ctx.Tracker.EscapeesOf(Unit.Name, CgroupPathInProc, inCgroup).Select(e => new Api.Escapee(e.Pid, e.Comm, e.Cgroup)).ToList();
    }

    /// <summary>daemon-reload: the new definition applies from the next transition on.</summary>
    public void UpdateUnit(ServiceUnit unit)
    {
        lock (_gate) _fsm.Unit = unit;
    }

    /// <summary>Feeds an event; follow-up events raised while acting are handled in order before returning.</summary>
    private void Post(ServiceEvent e)
    {
        lock (_gate)
        {
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
                    // stop's signals, ExecStop=, ExecReload=), as systemd thaws before a job.
                    if (actions.Count > 0 && _fsm.State != ServiceState.Running) ThawIfFrozen();
                    foreach (var a in actions) Execute(a);
                    if (_fsm.State != before) StateSince = DateTimeOffset.Now;
                    if (_fsm.State == ServiceState.Running) _runningReached = true;
                }
            }
            finally
            {
                _handling = false;
            }
            PersistRun();
            NotifyWaiters();
        }
        _ctx.Changes.Notify(Unit.Name);
    }

    private ServiceFacts Facts() => new(_main is not null, _control is not null, _cgroup is null || !_ctx.Cgroups.IsPopulated(_cgroup), Environment.TickCount64);

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

    /// <summary>Completes when the state satisfies <paramref name="done"/> (checked now and after every event).</summary>
    private Task WaitFor(Func<ServiceState, bool> done)
    {
        lock (_gate)
        {
            if (done(_fsm.State)) return Task.CompletedTask;
            var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, tcs));
            return tcs.Task;
        }
    }

    private void OnCgroupChanged()
    {
        lock (_gate)
        {
            if (_cgroup is null || _ctx.Cgroups.IsPopulated(_cgroup)) return;
            if (ServiceStateNames.HasNoRun(_fsm.State))
            {
                // Left-over processes of a stopped run have gone: the cgroup can go too.
                LeftOver = [];
                ReleaseCgroup();
                return;
            }
        }
        Post(ServiceEvent.Empty);
    }

    private void OnProcessExit(ProcessHandle handle, ExitStatus status)
    {
        _ctx.Tracker.OnReaped(handle.Pid, status);
        lock (_gate)
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
                if (status != ExitStatus.Exited(0)) LastError = $"control process {handle.Pid} {status}";
                Post(ServiceEvent.ControlExit(status));
            }
            else handle.Dispose(); // a process of a finished run, or a failed spawn: nothing waits for it
        }
    }

    private void ArmTimer(TimeSpan after)
    {
        long gen = ++_timerGeneration;
        _timer?.Dispose();
        _timer = null;
        if (after == TimeSpan.MaxValue || after.TotalMilliseconds > int.MaxValue) return;
        _timer = new Timer(_ =>
        {
            // Checked and posted under one lock: a timer re-armed or cancelled meanwhile must not fire into the new state.
            lock (_gate)
            {
                if (gen == _timerGeneration) Post(ServiceEvent.TimedOut);
            }
        }, null, after, Timeout.InfiniteTimeSpan);
    }

    private void ReleaseCgroup()
    {
        if (_cgroup is null) return;
        if (_ctx.Cgroups.TryRemove(_cgroup))
        {
            _watch?.Dispose();
            _watch = null;
            _cgroup = null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return; // the manager may dispose it again at the very end
            _timer?.Dispose();
            _watch?.Dispose();
            StopPipeHolder();
            _pipes?.Dispose();
            _log?.Dispose();
            _main?.Dispose();
            _control?.Dispose();
        }
    }
}
