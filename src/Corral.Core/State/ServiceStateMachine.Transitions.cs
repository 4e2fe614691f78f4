using Corral.Core.Killing;
using Corral.Core.Units;
using static Corral.Core.State.ServiceState;

namespace Corral.Core.State;

/// <summary>The small named steps the table is made of.</summary>
public sealed partial class ServiceStateMachine
{
    /// <summary>The stop timeout in force: a per-call override, else TimeoutStopSec=.</summary>
    public TimeSpan StopTimeout => _stopTimeoutOverride ?? Unit.TimeoutStop;

    private void Emit(ServiceAction a) => _actions.Add(a);

    private void Enter(ServiceState s, TimeSpan timer)
    {
        State = s;
        if (s is Running or Exited) ReachedRunning = true;
        _deadlineMs = timer == TimeSpan.MaxValue ? long.MaxValue : _facts.NowMs + (long)timer.TotalMilliseconds;
        Emit(new ServiceAction.ArmTimer(timer));
    }

    /// <summary>EXTEND_TIMEOUT_USEC=: the timeout fires no earlier than <paramref name="extend"/> from now, and never earlier than it would have.</summary>
    private void ExtendTimer(TimeSpan extend)
    {
        long now = _facts.NowMs;
        long want = extend >= TimeSpan.FromDays(365 * 100) ? long.MaxValue : now + (long)extend.TotalMilliseconds;
        if (want <= _deadlineMs) return;
        _deadlineMs = want;
        Emit(new ServiceAction.ArmTimer(want == long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromMilliseconds(want - now)));
    }

    private void SetResult(ServiceResult r)
    {
        if (Result == ServiceResult.Success) Result = r; // the first failure is the one reported
    }

    private void Fail(ServiceResult r, Action<int> next)
    {
        SetResult(r);
        next(0);
    }

    private void TakeStopTimeout(ServiceEvent e)
    {
        if (e.StopTimeout is { } t) _stopTimeoutOverride = t;
    }

    private void ManualStart()
    {
        NRestarts = 0; // systemd counts restarts since the last start someone asked for
        ReachedRunning = false;
        BeginRun(automatic: false);
    }

    private void AutoRestartNow() => BeginRun(automatic: true);

    /// <summary>Running (its main process alive) or waiting to restart, as the previous daemon left it.</summary>
    private void Adopt(ServiceEvent e)
    {
        NRestarts = e.Restarts;
        Result = e.Result;
        _stopRequested = false;
        if (e.AdoptAs == AutoRestart)
        {
            State = AutoRestart;
            Emit(new ServiceAction.ArmTimer(RestartDelay()));
            return;
        }
        Enter(e.AdoptAs == Exited ? Exited : Running, TimeSpan.MaxValue);
    }

    private void BeginRun(bool automatic)
    {
        _stopTimeoutOverride = null;
        UnmetCondition = null;
        _stopRequested = false;
        if (!TakeStartSlot())
        {
            // Refused before anything runs: nothing to stop, the run is over at once.
            Result = ServiceResult.StartLimitHit;
            State = Failed;
            Emit(new ServiceAction.ArmTimer(TimeSpan.MaxValue));
            Emit(new ServiceAction.Finish(Result));
            return;
        }
        Result = ServiceResult.Success;
        if (automatic)
        {
            NRestarts++; // a restart the start limit refused did not happen
            Emit(new ServiceAction.PrepareRun());
        }
        EnterCondition(0);
    }

    /// <summary>StartLimitIntervalSec= and StartLimitBurst=: at most Burst starts in any such interval.</summary>
    private bool TakeStartSlot()
    {
        var interval = Unit.StartLimitInterval;
        if (interval == TimeSpan.Zero || interval == TimeSpan.MaxValue || Unit.StartLimitBurst <= 0) return true;
        long now = _facts.NowMs;
        while (_startTimes.Count > 0 && now - _startTimes.Peek() >= interval.TotalMilliseconds) _startTimes.Dequeue();
        if (_startTimes.Count >= Unit.StartLimitBurst) return false;
        _startTimes.Enqueue(now);
        return true;
    }

    /// <summary>Restart= against how the run ended; never after a stop someone asked for, a RestartPreventExitStatus= match, or the start limit.</summary>
    private bool ShallRestart() =>
        !_stopRequested
        && Result != ServiceResult.StartLimitHit
        && !(MainExit is { } exit && Unit.RestartPreventExitStatus.Matches(exit))
        && RestartPolicyNames.Restarts(Unit.Restart, Result);

    /// <summary>
    /// RestartSec=, or with RestartSteps= and RestartMaxDelaySec= a delay that grows geometrically from
    /// the one to the other over that many restarts, then stays at the maximum (systemd's formula).
    /// </summary>
    public TimeSpan RestartDelay()
    {
        var (min, max, steps) = (Unit.RestartSec, Unit.RestartMaxDelay, Unit.RestartSteps);
        if (steps <= 0 || max == TimeSpan.MaxValue || max <= min || min <= TimeSpan.Zero) return min;
        if (NRestarts >= steps) return max;
        double ratio = Math.Pow(max.TotalMilliseconds / min.TotalMilliseconds, (double)NRestarts / steps);
        return TimeSpan.FromMilliseconds(min.TotalMilliseconds * ratio);
    }

    /// <summary>Runs command <paramref name="index"/> of a phase as the control process, if the phase has it.</summary>
    private bool RunControl(ExecPhase phase, int index, ServiceState state, TimeSpan timer)
    {
        if (index >= Unit.Commands(phase).Count) return false;
        _index = index;
        Enter(state, timer);
        Emit(new ServiceAction.RunControl(phase, index));
        return true;
    }

    private void EnterCondition(int index)
    {
        if (!RunControl(ExecPhase.Condition, index, Condition, Unit.TimeoutStart)) EnterStartPre(0);
    }

    /// <summary>
    /// ExecCondition= (systemd.service(5)): exit 0 goes on; 1–254 skips the start — what the command
    /// left is stopped and the unit ends inactive, not failed, and is not restarted; 255 or a signal
    /// fails the start. A '-' command's exit never fails nor skips.
    /// </summary>
    private void AfterConditionCommand(ServiceEvent e)
    {
        var status = e.Status!.Value;
        if (Unit.ExecCondition[_index].IgnoreFailure || (status.Code == ExitCode.Exited && status.Value == 0))
            EnterCondition(_index + 1);
        else if (status.Code == ExitCode.Exited && status.Value is >= 1 and <= 254)
        {
            UnmetCondition = $"ExecCondition={Unit.ExecCondition[_index].Source} exited with status {status.Value}";
            Fail(ServiceResult.ExecCondition, EnterStopSigterm);
        }
        else
            Fail(ExitClassifier.Classify(status, Units.ExitStatusSet.Empty, daemonMain: false), EnterStopSigterm);
    }

    private void EnterStartPre(int index)
    {
        if (!RunControl(ExecPhase.StartPre, index, StartPre, Unit.TimeoutStart)) EnterStart(0);
    }

    private void EnterStart(int index)
    {
        _index = index;
        Enter(ServiceState.Start, Unit.TimeoutStart);
        if (Unit.Type == Units.ServiceType.Forking)
            Emit(new ServiceAction.RunControl(ExecPhase.Start, 0));
        else
            Emit(new ServiceAction.StartMain(index));
    }

    private void OnMainStarted()
    {
        // A oneshot's command runs to its end inside "start", a notify service's until READY=1;
        // the others are started once exec'd.
        if (Unit.Type != Units.ServiceType.Oneshot && !Unit.Type.WaitsForReady()) EnterStartPost(0);
    }

    private void OnForkingStarterExited(ServiceEvent e)
    {
        var r = ExitClassifier.Classify(e.Status!.Value, Units.ExitStatusSet.Empty, daemonMain: false);
        if (r != ServiceResult.Success) Fail(r, EnterStopSigterm);
        else Emit(new ServiceAction.ReadPidFile());
    }

    private void OnMainExitedDuringStart(ServiceEvent e)
    {
        MainExit = e.Status;
        bool oneshot = Unit.Type == Units.ServiceType.Oneshot;
        var r = ExitClassifier.Classify(e.Status!.Value, Unit.SuccessExitStatus, daemonMain: !oneshot);
        if (r != ServiceResult.Success && e.OomKilled) r = ServiceResult.OomKill;
        if (r != ServiceResult.Success) Fail(r, EnterStopSigterm);
        else if (oneshot && _index + 1 < Unit.ExecStart.Count) EnterStart(_index + 1);
        else if (Unit.Type.WaitsForReady())
        {
            // It exited cleanly without READY=1. Only a process NotifyAccess= lets speak and that
            // is still there could say it yet; else the start failed (systemd: Result=protocol).
            if (Unit.NotifyAccess is Units.NotifyAccess.None or Units.NotifyAccess.Main || _facts.CgroupEmpty) Fail(ServiceResult.Protocol, EnterStopSigterm);
        }
        else EnterStartPost(0);
    }

    private void AfterStartCommand(ServiceEvent e, ExecPhase phase, Action<int> next, Action<int> onFailure)
    {
        var cmd = Unit.Commands(phase)[_index];
        var r = ExitClassifier.Classify(e.Status!.Value, Units.ExitStatusSet.Empty, daemonMain: false);
        if (r == ServiceResult.Success || cmd.IgnoreFailure) next(_index + 1);
        else Fail(r, onFailure);
    }

    private void StopDuringStart(ServiceEvent e)
    {
        TakeStopTimeout(e);
        EnterStopSigterm(0);
    }

    private void EnterStartPost(int index)
    {
        if (!RunControl(ExecPhase.StartPost, index, StartPost, Unit.TimeoutStart)) EnterRunning();
    }

    private void EnterRunning()
    {
        if (!_facts.MainAlive && (Unit.Type != Units.ServiceType.Forking || _facts.CgroupEmpty || Unit.Type == Units.ServiceType.Oneshot))
        {
            // Nothing left to supervise: a oneshot that finished, or a main that already exited.
            if (AfterMainEnded()) return;
            State = Running;
            EnterStop(0);
            return;
        }
        Enter(Running, TimeSpan.MaxValue);
    }

    /// <summary>
    /// RemainAfterExit=yes and a run that went well: the unit stays active (exited) — whatever the main
    /// process left in the cgroup runs on — until it is stopped. False: the run goes on to its stop.
    /// </summary>
    private bool AfterMainEnded()
    {
        if (!Unit.RemainAfterExit || Result != ServiceResult.Success || _stopRequested) return false;
        Enter(Exited, TimeSpan.MaxValue);
        return true;
    }

    private void RecordMainExit(ServiceEvent e)
    {
        MainExit = e.Status;
        bool ourSignal = ServiceStateNames.IsStopping(State) && e.Status!.Value.Code == ExitCode.Killed && e.Status.Value.Value == Unit.KillSignal;
        var r = ExitClassifier.Classify(e.Status!.Value, Unit.SuccessExitStatus, daemonMain: Unit.Type != Units.ServiceType.Oneshot);
        if (r != ServiceResult.Success && e.OomKilled) r = ServiceResult.OomKill; // systemd's Result=oom-kill
        if (r != ServiceResult.Success && (!ourSignal || e.OomKilled)) SetResult(r);
    }

    private void RecordMainExitQuietly(ServiceEvent e) => MainExit = e.Status;

    private void EnterReload(int index)
    {
        if (RunControl(ExecPhase.Reload, index, ServiceState.Reload, Unit.TimeoutStart)) return;
        // The commands are done; a service that said RELOADING=1 has not finished until READY=1.
        if (!_notifyReloading || State != ServiceState.Reload) EnterRunning();
    }

    /// <summary>Type=notify-reload without ExecReload=: ReloadSignal= asks the main process, which answers RELOADING=1, then READY=1.</summary>
    private void OnReloadRequest()
    {
        _notifyReloading = false;
        if (Unit.Type != Units.ServiceType.NotifyReload || Unit.ExecReload.Count > 0)
        {
            EnterReload(0);
            return;
        }
        _notifyReloading = true;
        Enter(ServiceState.Reload, Unit.TimeoutStart);
        Emit(new ServiceAction.Kill(KillPlan.ForKillVerb(KillWhom.Main, Unit.ReloadSignal),
            $"ReloadSignal= asks the service to reload (Type=notify-reload)"));
    }

    /// <summary>READY=1 during a reload: done once its commands are (the service said RELOADING=1 first, or was sent ReloadSignal=).</summary>
    private void OnReadyAfterReload()
    {
        if (!_notifyReloading) return;
        _notifyReloading = false;
        if (!_facts.ControlAlive) EnterRunning();
    }

    /// <summary>STOPPING=1: the service stops by itself; it is given TimeoutStopSec=, then the final signal (ExecStop= does not run).</summary>
    private void StopByNotify()
    {
        _notifyReloading = false;
        Enter(StopSigterm, StopTimeout);
    }

    /// <summary>The watchdog fired: WatchdogSignal= per KillMode=, then the final signal after TimeoutStopSec=.</summary>
    private void OnWatchdog(ServiceEvent e)
    {
        SetResult(ServiceResult.Watchdog);
        _notifyReloading = false;
        var plan = KillPlan.ForStop(Unit.KillMode, Unit.WatchdogSignal, sendSighup: false);
        if (plan.Targets == KillTargets.None || TargetsGone(plan))
        {
            AfterSigterm();
            return;
        }
        Enter(StopWatchdog, StopTimeout);
        Emit(new ServiceAction.Kill(plan, e.Triggered
            ? "the service asked for its watchdog to fire (WATCHDOG=trigger): WatchdogSignal="
            : $"WatchdogSec= ({Units.TimeSpanParser.Format(Unit.WatchdogSec)}) passed without WATCHDOG=1: WatchdogSignal="));
    }

    /// <summary>ExecReload= outlived its timeout: it is killed, and the service runs on (as systemd).</summary>
    private void OnReloadTimeout()
    {
        _notifyReloading = false;
        Emit(new ServiceAction.Kill(KillPlan.ForKillVerb(KillWhom.Control, Signals.SignalNames.SigKill),
            $"ExecReload= outlived TimeoutStartSec= ({Units.TimeSpanParser.Format(Unit.TimeoutStart)})"));
        EnterRunning();
    }

    private void AfterReloadCommand(ServiceEvent e)
    {
        var r = ExitClassifier.Classify(e.Status!.Value, Units.ExitStatusSet.Empty, daemonMain: false);
        if (r == ServiceResult.Success || Unit.ExecReload[_index].IgnoreFailure) EnterReload(_index + 1);
        else EnterRunning(); // a failed reload leaves the service running, as in systemd
    }

    private void EnterStop(int index)
    {
        if (!RunControl(ExecPhase.Stop, index, ServiceState.Stop, StopTimeout)) EnterStopSigterm(0);
    }

    private void AfterStopCommand() => EnterStop(_index + 1);

    /// <summary>Whether the processes a stop plan targets are all gone.</summary>
    private bool TargetsGone(KillPlan plan) => plan.Targets.HasFlag(KillTargets.Cgroup)
        ? _facts.CgroupEmpty && !_facts.MainAlive && !_facts.ControlAlive
        : !_facts.MainAlive && !_facts.ControlAlive;

    private void EnterStopSigterm(int _)
    {
        var plan = KillPlan.ForStop(Unit.KillMode, Unit.KillSignal, Unit.SendSighup);
        if (plan.Targets == KillTargets.None || TargetsGone(plan))
        {
            AfterSigterm();
            return;
        }
        Enter(StopSigterm, StopTimeout);
        Emit(new ServiceAction.Kill(plan, $"KillSignal= to stop (KillMode={KillModeNames.Format(Unit.KillMode)})"));
    }

    /// <summary>KillMode=mixed still owes the rest of the cgroup its final signal once main is gone.</summary>
    private void AfterSigterm()
    {
        if (Unit.KillMode == KillMode.Mixed && !_facts.CgroupEmpty) EnterStopSigkill();
        else EnterStopPost(0);
    }

    private void CheckSigtermDone()
    {
        if (TargetsGone(KillPlan.ForStop(Unit.KillMode, Unit.KillSignal, false))) AfterSigterm();
    }

    private void OnSigtermTimeout()
    {
        SetResult(ServiceResult.Timeout);
        if (Unit.SendSigkill) EnterStopSigkill();
        else EnterStopPost(0);
    }

    private void EnterStopSigkill(string? reason = null)
    {
        var plan = KillPlan.ForFinal(Unit.KillMode, Unit.FinalKillSignal);
        if (plan.Targets == KillTargets.None || TargetsGone(plan))
        {
            EnterStopPost(0);
            return;
        }
        Enter(StopSigkill, StopTimeout);
        Emit(new ServiceAction.Kill(plan, reason ?? (Result == ServiceResult.Timeout
            ? $"TimeoutStopSec= ({Units.TimeSpanParser.Format(StopTimeout)}) passed: FinalKillSignal="
            : "FinalKillSignal= to the rest of the cgroup once the main process was gone (KillMode=mixed)")));
    }

    private void CheckSigkillDone()
    {
        if (TargetsGone(KillPlan.ForFinal(Unit.KillMode, Unit.FinalKillSignal))) EnterStopPost(0);
    }

    private void EnterStopPost(int index)
    {
        if (!RunControl(ExecPhase.StopPost, index, StopPost, StopTimeout)) EnterFinalSigkill(0);
    }

    /// <summary>Whatever ExecStopPost= left behind; KillMode=process and none leave processes alone.</summary>
    private void EnterFinalSigkill(int _)
    {
        if (Unit.SendSigkill && Unit.KillMode is KillMode.ControlGroup or KillMode.Mixed && !(_facts.CgroupEmpty && !_facts.ControlAlive))
        {
            Enter(FinalSigkill, StopTimeout);
            Emit(new ServiceAction.Kill(KillPlan.ForFinal(KillMode.ControlGroup, Unit.FinalKillSignal), "processes left after ExecStopPost="));
        }
        else EnterDead();
    }

    private void CheckFinalDone()
    {
        if (_facts.CgroupEmpty && !_facts.ControlAlive) EnterDead();
    }

    private void EnterDead()
    {
        _stopTimeoutOverride = null;
        if (State != AutoRestart && ShallRestart())
        {
            State = AutoRestart;
            Emit(new ServiceAction.ArmTimer(RestartDelay()));
            Emit(new ServiceAction.Finish(Result));
            return;
        }
        // A start ExecCondition= skipped is no failure: inactive (dead), with its Result= saying why.
        State = Result is ServiceResult.Success or ServiceResult.ExecCondition ? Dead : Failed;
        Emit(new ServiceAction.ArmTimer(TimeSpan.MaxValue));
        Emit(new ServiceAction.Finish(Result));
    }
}
