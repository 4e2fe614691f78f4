using Corral.Core.Killing;
using Corral.Core.Units;
using static Corral.Core.State.ServiceState;
using static Corral.Core.State.ServiceEventKind;

namespace Corral.Core.State;

/// <summary>
/// The service lifecycle, after systemd's service.c, as one table of (state, event) → transition.
/// Pure: it decides, the runner acts. Every transition returns the actions to carry out; the
/// runner reports their outcome as further events. Every (state, event) pair is either in
/// <see cref="Table"/> or in <see cref="Ignored"/> with the reason it changes nothing
/// (ServiceStateMachine.Ignored.cs); a test enumerates them all, and a pair in neither is a bug
/// that <see cref="Handle"/> reports.
/// </summary>
public sealed partial class ServiceStateMachine
{
    private delegate void Transition(ServiceStateMachine m, ServiceEvent e);

    private static readonly Dictionary<(ServiceState, ServiceEventKind), Transition> Table = WithSharedCells(new()
    {
        [(Dead, ServiceEventKind.Start)] = (m, _) => m.ManualStart(),
        [(Failed, ServiceEventKind.Start)] = (m, _) => m.ManualStart(),
        // After the daemon's own death: a run found alive goes on where it was, without starting anything.
        [(Dead, ServiceEventKind.Adopt)] = (m, e) => m.Adopt(e),
        [(Failed, ServiceEventKind.ResetFailed)] = (m, _) => { m.State = Dead; m.Result = ServiceResult.Success; },

        // Restart=: the run is over and the next one waits for its delay.
        [(AutoRestart, ServiceEventKind.Timeout)] = (m, _) => m.AutoRestartNow(),
        [(AutoRestart, ServiceEventKind.Start)] = (m, _) => m.ManualStart(),
        // As systemd: a stop while a restart waits cancels it and leaves the unit inactive, not failed.
        [(AutoRestart, ServiceEventKind.Stop)] = (m, _) => { m.State = Dead; m.Emit(new ServiceAction.ArmTimer(TimeSpan.MaxValue)); },

        [(Condition, ControlExited)] = (m, e) => m.AfterConditionCommand(e),
        [(Condition, ServiceEventKind.Timeout)] = (m, _) => m.Fail(ServiceResult.Timeout, m.EnterStopSigterm),
        [(Condition, ServiceEventKind.Stop)] = (m, e) => m.StopDuringStart(e),

        [(StartPre, ControlExited)] = (m, e) => m.AfterStartCommand(e, ExecPhase.StartPre, next: m.EnterStartPre, onFailure: m.EnterStopSigterm),
        [(StartPre, ServiceEventKind.Timeout)] = (m, _) => m.Fail(ServiceResult.Timeout, m.EnterStopSigterm),
        [(StartPre, ServiceEventKind.Stop)] = (m, e) => m.StopDuringStart(e),

        [(ServiceState.Start, MainStarted)] = (m, _) => m.OnMainStarted(),
        [(ServiceState.Start, StartFailed)] = (m, e) => m.Fail(e.Result, m.EnterStopSigterm),
        [(ServiceState.Start, ControlExited)] = (m, e) => m.OnForkingStarterExited(e),
        [(ServiceState.Start, MainExited)] = (m, e) => m.OnMainExitedDuringStart(e),
        [(ServiceState.Start, ServiceEventKind.Timeout)] = (m, _) => m.Fail(ServiceResult.Timeout, m.EnterStopSigterm),
        [(ServiceState.Start, ServiceEventKind.Stop)] = (m, e) => m.StopDuringStart(e),
        [(ServiceState.Start, Ready)] = (m, _) => { if (m.Unit.Type.WaitsForReady()) m.EnterStartPost(0); },
        // Type=notify: no process is left to say READY=1.
        [(ServiceState.Start, CgroupEmpty)] = (m, _) =>
        {
            if (m.Unit.Type.WaitsForReady() && !m._facts.MainAlive && !m._facts.ControlAlive) m.Fail(ServiceResult.Protocol, m.EnterStopPost);
        },

        [(StartPost, ControlExited)] = (m, e) => m.AfterStartCommand(e, ExecPhase.StartPost, next: m.EnterStartPost, onFailure: m.EnterStop),
        [(StartPost, MainExited)] = (m, e) => m.RecordMainExit(e),
        [(StartPost, ServiceEventKind.Timeout)] = (m, _) => m.Fail(ServiceResult.Timeout, m.EnterStop),
        [(StartPost, ServiceEventKind.Stop)] = (m, e) => m.StopDuringStart(e),

        [(Running, MainExited)] = (m, e) => { m.RecordMainExit(e); if (!m.AfterMainEnded()) m.EnterStop(0); },
        [(Running, CgroupEmpty)] = (m, _) => { if (!m._facts.MainAlive) m.EnterStop(0); },
        [(Running, ServiceEventKind.Stop)] = (m, e) => { m.TakeStopTimeout(e); m.EnterStop(0); },
        [(Running, ServiceEventKind.Reload)] = (m, _) => m.OnReloadRequest(),
        [(Running, Reloading)] = (m, _) => { m._notifyReloading = true; m.Enter(ServiceState.Reload, m.Unit.TimeoutStart); },
        [(Running, ServiceEventKind.Stopping)] = (m, _) => m.StopByNotify(),

        [(ServiceState.Reload, ControlExited)] = (m, e) => m.AfterReloadCommand(e),
        [(ServiceState.Reload, MainExited)] = (m, e) => m.RecordMainExit(e),
        [(ServiceState.Reload, ServiceEventKind.Timeout)] = (m, _) => m.OnReloadTimeout(),
        [(ServiceState.Reload, ServiceEventKind.Stop)] = (m, e) => { m.TakeStopTimeout(e); m.EnterStop(0); },
        [(ServiceState.Reload, Ready)] = (m, _) => m.OnReadyAfterReload(),
        [(ServiceState.Reload, Reloading)] = (m, _) => m._notifyReloading = true,
        [(ServiceState.Reload, ServiceEventKind.Stopping)] = (m, _) => m.StopByNotify(),

        [(ServiceState.Stop, ControlExited)] = (m, e) => m.AfterStopCommand(),
        [(ServiceState.Stop, MainExited)] = (m, e) => m.RecordMainExit(e),
        [(ServiceState.Stop, ServiceEventKind.Timeout)] = (m, _) => m.Fail(ServiceResult.Timeout, m.EnterStopSigterm),

        [(StopSigterm, MainExited)] = (m, e) => { m.RecordMainExit(e); m.CheckSigtermDone(); },
        [(StopSigterm, ControlExited)] = (m, _) => m.CheckSigtermDone(),
        [(StopSigterm, CgroupEmpty)] = (m, _) => m.CheckSigtermDone(),
        [(StopSigterm, ServiceEventKind.Timeout)] = (m, _) => m.OnSigtermTimeout(),

        // Who KillMode= targets does not depend on the signal: the same check as after KillSignal=.
        [(StopWatchdog, MainExited)] = (m, e) => { m.RecordMainExit(e); m.CheckSigtermDone(); },
        [(StopWatchdog, ControlExited)] = (m, _) => m.CheckSigtermDone(),
        [(StopWatchdog, CgroupEmpty)] = (m, _) => m.CheckSigtermDone(),
        // TimeoutAbortSec= defaults to TimeoutStopSec=: then the final signal.
        [(StopWatchdog, ServiceEventKind.Timeout)] = (m, _) =>
        {
            if (m.Unit.SendSigkill) m.EnterStopSigkill($"WatchdogSignal= was not enough within TimeoutStopSec= ({Units.TimeSpanParser.Format(m.StopTimeout)}): FinalKillSignal=");
            else m.EnterStopPost(0);
        },

        [(StopSigkill, MainExited)] = (m, e) => { m.RecordMainExit(e); m.CheckSigkillDone(); },
        [(StopSigkill, ControlExited)] = (m, _) => m.CheckSigkillDone(),
        [(StopSigkill, CgroupEmpty)] = (m, _) => m.CheckSigkillDone(),
        [(StopSigkill, ServiceEventKind.Timeout)] = (m, _) => m.EnterStopPost(0),

        [(StopPost, ControlExited)] = (m, _) => m.EnterStopPost(m._index + 1),
        [(StopPost, MainExited)] = (m, e) => m.RecordMainExit(e),
        [(StopPost, ServiceEventKind.Timeout)] = (m, _) => m.Fail(ServiceResult.Timeout, m.EnterFinalSigkill),

        [(FinalSigkill, CgroupEmpty)] = (m, _) => m.CheckFinalDone(),
        [(FinalSigkill, MainExited)] = (m, e) => { m.RecordMainExit(e); m.CheckFinalDone(); },
        [(FinalSigkill, ControlExited)] = (m, _) => m.CheckFinalDone(),
        [(FinalSigkill, ServiceEventKind.Timeout)] = (m, _) => m.EnterDead(),

        [(Exited, ServiceEventKind.Stop)] = (m, e) => { m.TakeStopTimeout(e); m.EnterStop(0); },
        [(Exited, ServiceEventKind.Reload)] = (m, _) => m.EnterReload(0),
        [(Exited, MainExited)] = (m, e) => m.RecordMainExitQuietly(e),

        // The main process may die at any time; in inactive states that is a late reap, recorded only.
        [(Dead, MainExited)] = (m, e) => m.RecordMainExitQuietly(e),
        [(Failed, MainExited)] = (m, e) => m.RecordMainExitQuietly(e),
    });

    /// <summary>The cells that are the same in several states, added to <see cref="Table"/> once (called while it is built: no other static is set yet).</summary>
    private static Dictionary<(ServiceState, ServiceEventKind), Transition> WithSharedCells(Dictionary<(ServiceState, ServiceEventKind), Transition> table)
    {
        ServiceState[] Watched = [ServiceState.Start, StartPost, Running, ServiceState.Reload];
        ServiceState[] Timed = [Condition, StartPre, ServiceState.Start, StartPost, ServiceState.Reload, ServiceState.Stop, StopSigterm, StopSigkill, StopPost, FinalSigkill, StopWatchdog];
        // The watchdog watches a run from its main process's start to its stop.
        foreach (var s in Watched) table[(s, WatchdogTimeout)] = (m, e) => m.OnWatchdog(e);
        // EXTEND_TIMEOUT_USEC= pushes back the timeout of whatever state has one.
        foreach (var s in Timed) table[(s, ExtendTimeout)] = (m, e) => m.ExtendTimer(e.Extend);
        return table;
    }

    /// <summary>Why the last start was skipped (ExecCondition= exited 1–254), or null.</summary>
    public string? UnmetCondition { get; private set; }

    private readonly List<ServiceAction> _actions = [];
    // Monotonic ms at which the state's timer fires (long.MaxValue: none); EXTEND_TIMEOUT_USEC= moves it.
    private long _deadlineMs = long.MaxValue;
    // RELOADING=1 was said (or ReloadSignal= sent): the reload ends with READY=1.
    private bool _notifyReloading;
    private ServiceFacts _facts;
    private int _index;
    private TimeSpan? _stopTimeoutOverride;
    private bool _stopRequested;

    /// <summary>A stop was asked for during the current (or last) run: a start job still waiting then was canceled by it.</summary>
    public bool StopRequested => _stopRequested;
    // Monotonic ms of the starts within StartLimitIntervalSec=, oldest first.
    private readonly Queue<long> _startTimes = new();

    public ServiceStateMachine(ServiceUnit unit) => Unit = unit;

    /// <summary>A machine put straight into a state, for tests that visit every cell of the table.</summary>
    internal static ServiceStateMachine InState(ServiceUnit unit, ServiceState state) => new(unit) { State = state };

    public ServiceUnit Unit { get; set; }
    public ServiceState State { get; private set; } = Dead;
    public ServiceResult Result { get; private set; } = ServiceResult.Success;
    /// <summary>The main process's last exit, for ExecMainCode= and ExecMainStatus=.</summary>
    public ExitStatus? MainExit { get; private set; }
    /// <summary>Automatic restarts since the last start asked for by someone (systemd's NRestarts=).</summary>
    public int NRestarts { get; private set; }

    /// <summary>
    /// The run begun by the last start someone asked for (or the run taken over) reached Running: its
    /// start job is done, whatever happens to the service after.
    /// </summary>
    public bool ReachedRunning { get; private set; }

    /// <summary>What a start job finds before anything is asked of the machine.</summary>
    public StartAdmission AdmitStart() =>
        State is Running or Exited || ServiceStateNames.IsStarting(State) ? StartAdmission.AlreadyUnderWay
        : ServiceStateNames.IsStopping(State) ? StartAdmission.Stopping
        : StartAdmission.Begin;

    /// <summary>Feeds one event; returns what to do. Events that do not apply to the state change nothing.</summary>
    public IReadOnlyList<ServiceAction> Handle(ServiceEvent e, ServiceFacts facts)
    {
        _actions.Clear();
        _facts = facts;
        // Whatever the state: a stop asked for means no automatic restart at the end of this run,
        // and reset-failed forgets the start-rate window.
        if (e.Kind == ServiceEventKind.Stop) _stopRequested = true;
        if (e.Kind == ServiceEventKind.ResetFailed) _startTimes.Clear();
        if (Table.TryGetValue((State, e.Kind), out var transition))
            transition(this, e);
        else if (!Ignored.ContainsKey((State, e.Kind)))
            throw new InvalidOperationException($"the lifecycle has no cell for {e.Kind} in {State}");
        return _actions.ToArray();
    }

}

/// <summary>A start job's first answer: begin a run, or done already (a run starts or runs), or refused while stopping.</summary>
public enum StartAdmission { Begin, AlreadyUnderWay, Stopping }
