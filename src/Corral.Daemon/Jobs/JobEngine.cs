using Corral.Core.Jobs;
using Corral.Core.Units;
using Corral.Daemon.Services;

namespace Corral.Daemon.Jobs;

/// <summary>
/// Runs transactions: computes a request's whole set of jobs on the dependency graph
/// (<see cref="TransactionPlanner"/>), then runs every job as soon as the jobs it is ordered after
/// are done — independent units in parallel. A job whose required unit failed to start does not
/// run. The jobs in flight belong to the engine's loop; list-jobs and status read the view it
/// publishes. A job for a unit that already has one of the same kind joins it instead of running
/// twice; a waiting job of the other kind is canceled.
/// </summary>
internal sealed partial class JobEngine
{
    private readonly Mailbox _loop = new("jobs");
    private readonly Manager _manager;
    private readonly Dictionary<string, Job> _byUnit = new(StringComparer.Ordinal);
    private int _nextId;
    private volatile IReadOnlyList<JobInfo> _view = [];

    public JobEngine(Manager manager)
    {
        _manager = manager;
        manager.JobOf = unit => _view.FirstOrDefault(j => j.Unit == unit);
        var timers = manager.Timers;
        timers.StartUnit = (unit, cause) => StartAsync(unit, cause: cause);
        timers.Activity = manager.Activity;
        timers.LoadError = manager.LoadError;
        timers.Changed = manager.NotifyChanged;
        var sockets = manager.Sockets;
        sockets.StartUnit = (unit, cause) => StartAsync(unit, cause: cause);
        sockets.Activity = manager.Activity;
        sockets.LoadError = manager.LoadError;
        sockets.Changed = manager.NotifyChanged;
        sockets.Forget = manager.Forget;
    }

    /// <summary>Every job now, oldest first.</summary>
    public IReadOnlyList<JobInfo> Jobs => _view;

    /// <param name="cause">What asks for the start when no request does ("nightly.timer, due …"): the unit's run keeps it.</param>
    public async Task<JobResult> StartAsync(string unit, int? uid = null, IReadOnlyList<KeyValuePair<string, string>>? environment = null, string? cause = null)
    {
        unit = Made(unit);
        return (await Run(unit, g => TransactionPlanner.Start(g, [unit], _manager.IsActive, _manager.LoadError),
            new JobOptions("start", uid, null, environment ?? []) { Cause = cause })).Result;
    }

    public async Task<JobResult> StopAsync(string unit, TimeSpan? timeout, bool noBlock, string verb = "stop", int? uid = null)
    {
        unit = _manager.Resolve(unit);
        return (await Run(unit, g => TransactionPlanner.Stop(g, [unit], _manager.IsActive, _manager.LoadError),
            new JobOptions(verb, uid, timeout, []) { NoBlock = noBlock })).Result;
    }

    /// <summary>A stop of the unit and what requires it, then a start of the unit and of those that were running.</summary>
    public async Task<JobResult> RestartAsync(string unit, TimeSpan? timeout, int? uid = null, string verb = "restart")
    {
        unit = Made(unit);
        var wasActive = _manager.ActiveUnits().ToHashSet(StringComparer.Ordinal);
        var (stopped, units) = await Run(unit, g => TransactionPlanner.Stop(g, [unit], _manager.IsActive, _manager.LoadError),
            new JobOptions(verb, uid, timeout, []));
        if (!stopped.Ok) return stopped;
        var again = units.Where(u => u != unit && wasActive.Contains(u)).Prepend(unit).ToList();
        return (await Run(unit, g => TransactionPlanner.Start(g, again, _manager.IsActive, _manager.LoadError),
            new JobOptions("start", uid, null, []))).Result;
    }

    /// <summary>isolate: the target and what it pulls in run; every other unit stops (unless IgnoreOnIsolate=).</summary>
    public async Task<JobResult> IsolateAsync(string target, int? uid = null)
    {
        target = _manager.Resolve(target);
        if (!UnitNames.IsTarget(target)) return JobResult.Fail($"isolate: {target} is not a target");
        if (_manager.Target(target) is not { } t) return JobResult.Fail($"Unit {target} {_manager.LoadError(target) ?? "not found"}.");
        if (!t.AllowIsolate) return JobResult.Fail($"Operation refused, unit {target} may not be isolated (it does not say AllowIsolate=yes).");
        return (await Run(target, g => TransactionPlanner.Isolate(g, target, _manager.ActiveUnits(), IgnoresIsolate, _manager.IsActive, _manager.LoadError),
            new JobOptions("isolate", uid, null, []))).Result;
    }

    /// <summary>The daemon's end: every active unit stops, in reverse order of their dependencies, in parallel where the order allows.</summary>
    public async Task StopEverythingAsync()
    {
        var active = _manager.ActiveUnits();
        if (active.Count == 0) return;
        var (r, _) = await Run("shutdown", g => TransactionPlanner.Stop(g, active, _manager.IsActive, _manager.LoadError),
            new JobOptions("daemon shutdown", null, null, []) { AwaitAll = true });
        if (!r.Ok) Console.Error.WriteLine($"corral: stopping in order failed ({r.Error}); stopping every unit at once");
    }

    /// <summary>The unit's name through aliases; an instance asked for by name is made from its template first, so the graph has it.</summary>
    private string Made(string unit)
    {
        unit = _manager.Resolve(unit);
        if (UnitNames.IsService(unit) && unit.Contains('@')) _manager.TryGetOrMakeRunner(unit, out _, out _);
        else if (unit.Contains('@')) _manager.TryMakeInstance(unit);
        return unit;
    }

    private bool IgnoresIsolate(string unit) =>
        _manager.Target(unit) is { } t ? t.IgnoreOnIsolate : _manager.Timer(unit) is { } timer ? timer.IgnoreOnIsolate : _manager.Socket(unit) is { } socket ? socket.IgnoreOnIsolate
            : _manager.TryGetRunner(unit, out var r) && r.Unit.IgnoreOnIsolate;

    private sealed record JobOptions(string Verb, int? Uid, TimeSpan? Timeout, IReadOnlyList<KeyValuePair<string, string>> Environment)
    {
        public bool NoBlock { get; init; }
        /// <summary>Wait for every job of the transaction, not only the anchor's.</summary>
        public bool AwaitAll { get; init; }
        /// <summary>What asked for the anchor's start, when no request did.</summary>
        public string? Cause { get; init; }
    }

    /// <summary>Plans on the loop, launches every job, and returns the anchor's outcome (with the units the transaction took).</summary>
    private async Task<(JobResult Result, IReadOnlyList<string> Units)> Run(string anchor, Func<DependencyGraph, TransactionPlan> planner, JobOptions o)
    {
        // The graph is read outside the loop: it may read unit files (an instance's template).
        var graph = _manager.Graph();
        var (error, anchorJob, all, units) = await _loop.Ask<(string?, Job?, List<Job>, IReadOnlyList<string>)>(() =>
        {
            TransactionPlan plan;
            try { plan = planner(graph); }
            catch (TransactionException e) { return (e.Message, null, [], []); }
            var jobs = Materialize(plan, o, anchor);
            Publish();
            return (null, jobs.GetValueOrDefault(anchor), [.. jobs.Values], [.. plan.Jobs.Select(j => j.Unit)]);
        });
        if (error is not null) return (JobResult.Fail(error), []);
        if (o.AwaitAll)
        {
            await Task.WhenAll(all.Select(j => j.Done.Task));
            return (JobResult.Done, units);
        }
        if (anchorJob is null || o.NoBlock) return (JobResult.Done, units);
        return (await anchorJob.Done.Task, units);
    }

    /// <summary>On the loop: the plan's jobs, joined with those already under way, each launched.</summary>
    private Dictionary<string, Job> Materialize(TransactionPlan plan, JobOptions o, string anchor)
    {
        var jobs = new Dictionary<string, Job>(StringComparer.Ordinal);
        var fresh = new List<Job>();
        foreach (var (unit, type) in plan.Jobs)
        {
            if (_byUnit.TryGetValue(unit, out var existing))
            {
                if (existing.Type == type)
                {
                    jobs[unit] = existing;
                    continue;
                }
                if (!existing.Running) Cancel(existing);
            }
            var job = new Job
            {
                Id = ++_nextId, Unit = unit, Type = type, Uid = o.Uid, Timeout = o.Timeout,
                Verb = type == JobType.Stop ? o.Verb : "start",
                Environment = type == JobType.Start ? o.Environment : [],
                Cause = type == JobType.Start && unit == anchor ? o.Cause : null,
            };
            jobs[unit] = _byUnit[unit] = job;
            fresh.Add(job);
        }
        foreach (var job in fresh)
        {
            job.After = [.. plan.WaitsOn(job.Unit).Select(u => jobs[u])];
            foreach (var r in plan.RequirersOf(job.Unit))
                if (!job.Requirers.Contains(jobs[r])) job.Requirers.Add(jobs[r]);
        }
        foreach (var job in fresh) _ = Execute(job);
        return jobs;
    }

    private void Cancel(Job job)
    {
        job.Canceled = true;
        Finish(job, JobResult.Fail($"Job for {job.Unit} canceled: a {JobTypeNames.Format(job.Type == JobType.Stop ? JobType.Start : JobType.Stop)} of it was asked for."));
    }

    private async Task Execute(Job job)
    {
        foreach (var before in job.After) await before.Done.Task;
        bool go = await _loop.Ask(() =>
        {
            if (job.Done.Task.IsCompleted) return false; // canceled meanwhile
            if (job.FailedDependency is { } dep)
            {
                Finish(job, JobResult.Fail($"A dependency job for {job.Unit} failed: {dep}. See 'corral status {dep}'."));
                return false;
            }
            job.Running = true;
            Publish();
            return true;
        });
        if (!go) return;
        JobResult result;
        try { result = await Perform(job); }
        catch (Exception e) { result = JobResult.Fail($"{job.Unit}: {e.Message}"); }
        await _loop.Ask(() => Finish(job, result));
    }

    /// <summary>Off the loop: the job's own work, on the unit's runner (or the target's state, on the loop).</summary>
    private async Task<JobResult> Perform(Job job)
    {
        if (job.Type == JobType.VerifyActive)
            return _manager.IsActive(job.Unit) ? JobResult.Done : JobResult.Fail($"Unit {job.Unit} is not active (Requisite=).");
        if (UnitNames.IsTimer(job.Unit))
        {
            if (job.Type != JobType.Start) return await _manager.Timers.StopAsync(job.Unit);
            return _manager.Timer(job.Unit) is { } timer ? await _manager.Timers.StartAsync(timer)
                : JobResult.Fail($"Unit {job.Unit} {_manager.LoadError(job.Unit) ?? "not found"}.");
        }
        if (UnitNames.IsSocket(job.Unit))
        {
            if (job.Type != JobType.Start) return await _manager.Sockets.StopAsync(job.Unit);
            return _manager.Socket(job.Unit) is { } socket ? await _manager.Sockets.StartAsync(socket)
                : JobResult.Fail($"Unit {job.Unit} {_manager.LoadError(job.Unit) ?? "not found"}.");
        }
        if (UnitNames.IsTarget(job.Unit))
        {
            return await _loop.Ask(() =>
            {
                _manager.Targets.Set(job.Unit, job.Type == JobType.Start);
                _manager.NotifyChanged(job.Unit);
                return JobResult.Done;
            });
        }
        switch (job.Type)
        {
            case JobType.Start:
                if (!_manager.TryGetOrMakeRunner(job.Unit, out var runner, out var error)) return JobResult.Fail(error!);
                return await runner.StartAsync(job.Uid, job.Environment, job.Cause);
            default:
                if (!_manager.TryGetRunner(job.Unit, out var r)) return JobResult.Done;
                return await r.StopAsync(job.Timeout, noBlock: false, job.Verb, job.Uid);
        }
    }

    /// <summary>On the loop: the job's outcome; a failed start fails the waiting jobs that require the unit.</summary>
    private void Finish(Job job, JobResult result)
    {
        if (!job.Done.TrySetResult(result)) return;
        if (_byUnit.TryGetValue(job.Unit, out var current) && current == job) _byUnit.Remove(job.Unit);
        if (!result.Ok && job.Type != JobType.Stop)
            foreach (var r in job.Requirers)
                if (!r.Running) r.FailedDependency ??= job.Unit;
        Publish();
    }

    private void Publish() => _view = [.. _byUnit.Values.OrderBy(j => j.Id).Select(j => j.Info())];
}
