using Corral.Core.Killing;
using Corral.Core.State;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>
/// What the control API asks of a service. Each call is carried out on the unit's loop (the caller
/// awaits it there, never holding anything) and returns once the job is done.
/// </summary>
internal sealed partial class ServiceRunner
{
    /// <param name="environment">Variables of this start job only ($MONITOR_* for an OnFailure= handler).</param>
    /// <param name="startedBy">What started it when no request did ("nightly.timer, due …"): kept with the run it starts.</param>
    public async Task<JobResult> StartAsync(int? uid = null, IReadOnlyList<KeyValuePair<string, string>>? environment = null, string? startedBy = null)
    {
        var (refused, reached) = await _loop.Ask<(JobResult?, Task?)>(() =>
        {
            switch (_fsm.AdmitStart())
            {
                // A start already under way (another job's, a restart's): this job ends when that one does,
                // so what is ordered after the unit waits for it to run, not just to have begun.
                case StartAdmission.AlreadyUnderWay:
                    return ServiceStateNames.IsStarting(_fsm.State)
                        ? (null, WaitFor(s => s is ServiceState.Running or ServiceState.Exited || ServiceStateNames.HasNoRun(s)))
                        : (JobResult.Done, null);
                case StartAdmission.Stopping: return (JobResult.Fail($"unit {Unit.Name} is stopping; start it again once stopped"), null);
            }
            if (CheckConditions() is { } skipped) return (skipped, null);
            try
            {
                PrepareRun();
            }
            catch (Exception e) when (IsPreparationFailure(e))
            {
                LastError = e.Message;
                Publish();
                return (JobResult.Fail($"cannot prepare {Unit.Name}: {e.Message}"), null);
            }
            _jobEnvironment = environment ?? [];
            _startedBy = startedBy;
            LastError = null;
            LeftOver = [];
            EscapedLeft = [];
            (_jobVerb, _jobUid) = ("start failed", uid);
            // In the same item as PrepareRun: the emptiness event of the previous run must not
            // remove the cgroup just prepared before the start request has used it. The start job
            // ends when the service runs, or when the run is over (a oneshot, or a failure).
            // The request is handled within this item (the state leaves Dead at once), and the wait
            // registered right after it, so no later event can be missed.
            Post(ServiceEvent.StartRequest);
            var done = WaitFor(s => s is ServiceState.Running or ServiceState.Exited || ServiceStateNames.HasNoRun(s));
            // A simple service runs once its spawn returns, within this item: answered at once,
            // without a second trip through the loop.
            return done.IsCompleted ? (StartOutcome(), null) : (null, done);
        });
        if (refused is not null) return refused;
        await reached!;
        return await _loop.Ask(StartOutcome);
    }

    /// <summary>
    /// Condition*= then Assert*=, as systemd tests them when a start job begins: an unmet condition
    /// skips the start (the job succeeds, the unit stays as it was: inactive), an unmet assertion
    /// fails the job. Null when the start may go on.
    /// </summary>
    private JobResult? CheckConditions()
    {
        _conditionAt = _ctx.Clock.GetLocalNow();
        _unmetCondition = ConditionCheck.FirstUnmet(Unit.Conditions) is { } c ? $"{c} was not met" : null;
        _unmetAssert = _unmetCondition is null && ConditionCheck.FirstUnmet(Unit.Asserts) is { } a ? $"{a} was not met" : null;
        if (_unmetCondition is null && _unmetAssert is null) return null;
        Publish();
        return _unmetAssert is not null
            ? JobResult.Fail($"Assertion failed on job for {Unit.Name}: {_unmetAssert}. See 'corral status {Unit.Name}'.")
            : JobResult.Done with { Warnings = [$"{Unit.Name}: start skipped: {_unmetCondition}"] };
    }

    /// <summary>On the loop, once the start job is over: its answer.</summary>
    private JobResult StartOutcome()
    {
        if (_fsm.State == ServiceState.AutoRestart && !_fsm.ReachedRunning)
            return JobResult.Fail($"Job for {Unit.Name} failed: {ServiceResultNames.Format(_fsm.Result)}{(LastError is null ? "" : $" ({LastError})")}; " +
                $"Restart={RestartPolicyNames.Format(Unit.Restart)} will start it again in {Core.Units.TimeSpanParser.Format(_fsm.RestartDelay())}. See 'corral status {Unit.Name}'.");
        // As systemctl: the job of a simple, exec or forking service is done once it runs; if it died
        // right after, status and why tell, not start. A oneshot's job is its command's success.
        if (_fsm.ReachedRunning && Unit.Type != Core.Units.ServiceType.Oneshot) return WithWarnings(JobResult.Done);
        // A stop asked for before the start was done cancels the start job, as systemctl says ("canceled", exit 1).
        if (_fsm.StopRequested && !_fsm.ReachedRunning && _fsm.Result == ServiceResult.Success)
            return JobResult.Fail($"Job for {Unit.Name} canceled: a stop was asked for before it had started.");
        // ExecCondition= said no: the start was skipped, which is no failure (as systemctl start, which succeeds).
        if (_fsm.Result == ServiceResult.ExecCondition && _fsm.State == ServiceState.Dead)
            return JobResult.Done with { Warnings = [$"{Unit.Name}: start skipped: {_fsm.UnmetCondition}"] };
        if (_fsm.State == ServiceState.Failed || _fsm.Result != ServiceResult.Success)
            return JobResult.Fail($"Job for {Unit.Name} failed: {ServiceResultNames.Format(_fsm.Result)}{(LastError is null ? "" : $" ({LastError})")}. See 'corral status {Unit.Name}'.");
        return WithWarnings(JobResult.Done);
    }

    /// <summary>What the job did not do as asked is said, though the service runs: limits its spawns lowered, a run record the next daemon could not take it over by.</summary>
    private JobResult WithWarnings(JobResult r)
    {
        var warnings = _spawnWarnings.Select(w => $"{Unit.Name}: {w}").ToList();
        if (RunRecordError is { } e && !ServiceStateNames.IsInactive(_fsm.State))
            warnings.Add($"{Unit.Name} runs, but its run record could not be written ({e}); should the daemon die before it can be, the next one will adopt the service from its cgroup (main process guessed)");
        return warnings.Count == 0 ? r : r with { Warnings = warnings };
    }

    public async Task<JobResult> StopAsync(TimeSpan? timeout, bool noBlock, string verb = "stop", int? uid = null)
    {
        var (already, done) = await _loop.Ask<(JobResult?, Task?)>(() =>
        {
            if (ServiceStateNames.IsInactive(_fsm.State)) return (JobResult.Done with { LeftOver = LeftOver, Escaped = EscapedLeft }, null);
            if (!ServiceStateNames.IsStopping(_fsm.State)) (_jobVerb, _jobUid) = (verb, uid);
            Post(ServiceEvent.StopRequest(timeout));
            return (null, WaitFor(ServiceStateNames.IsInactive));
        });
        if (already is not null) return already;
        if (noBlock) return JobResult.Done;
        await done!;
        return await _loop.Ask(() => JobResult.Done with { LeftOver = LeftOver, Escaped = EscapedLeft });
    }

    public async Task<JobResult> RestartAsync(TimeSpan? timeout, int? uid = null, string verb = "restart")
    {
        var stopped = await StopAsync(timeout, noBlock: false, verb, uid);
        if (!stopped.Ok) return stopped;
        return await StartAsync(uid);
    }

    public async Task<JobResult> ReloadAsync()
    {
        var (refused, done) = await _loop.Ask<(JobResult?, Task?)>(() =>
        {
            if (_fsm.State is not (ServiceState.Running or ServiceState.Exited))
                return (JobResult.Fail($"unit {Unit.Name} is not active, cannot reload"), null);
            if (Unit.ExecReload.Count == 0 && Unit.Type != Core.Units.ServiceType.NotifyReload)
                return (JobResult.Fail($"unit {Unit.Name} has no ExecReload=, cannot reload"), null);
            // Registered once the request is handled (the state is Reload until ExecReload= ends).
            Post(ServiceEvent.ReloadRequest);
            return (null, WaitFor(s => s != ServiceState.Reload));
        });
        if (refused is not null) return refused;
        await done!;
        return JobResult.Done;
    }

    /// <summary>reset-failed: a failed unit becomes inactive, and its start-rate window starts afresh.</summary>
    public Task<JobResult> ResetFailedAsync() => _loop.Ask(() =>
    {
        Post(ServiceEvent.ResetFailedRequest);
        if (_fsm.State == ServiceState.Dead && LastError is not null)
        {
            LastError = null;
            Publish();
        }
        return JobResult.Done;
    });

    /// <summary><c>corral kill</c>: a signal to main, control or every process; returns how many were signalled.</summary>
    public Task<JobResult> KillAsync(KillWhom whom, int signal, int? uid = null, string verb = "kill") => _loop.Ask(() =>
    {
        (_jobVerb, _jobUid) = (verb, uid);
        NoteKill(signal, $"corral kill --kill-whom={KillModeNames.Format(whom)}");
        switch (whom)
        {
            case KillWhom.Main:
                if (_main is null) return JobResult.Fail($"unit {Unit.Name} has no main process to signal");
                _main.TrySignal(signal);
                return JobResult.Done with { Signalled = 1 };
            case KillWhom.Control:
                if (_control is null) return JobResult.Fail($"unit {Unit.Name} has no control process to signal");
                _control.TrySignal(signal);
                return JobResult.Done with { Signalled = 1 };
            default:
                if (_cgroup is null || !_ctx.Cgroups.IsPopulated(_cgroup))
                    return JobResult.Fail($"unit {Unit.Name} has no process to signal");
                int n = SignalCgroup(signal, sighup: false, sigcont: false);
                return JobResult.Done with { Signalled = n };
        }
    });
}

internal sealed record JobResult(bool Ok, string? Error)
{
    public static readonly JobResult Done = new(true, null);
    public static JobResult Fail(string error) => new(false, error);
    public IReadOnlyList<int> LeftOver { get; init; } = [];
    public IReadOnlyList<Escapee> Escaped { get; init; } = [];
    public int Signalled { get; init; }
    /// <summary>What went wrong beside the job without failing it (a run record that could not be written).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
