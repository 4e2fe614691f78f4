using Corral.Core.Jobs;
using Corral.Daemon.Services;

namespace Corral.Daemon.Jobs;

/// <summary>
/// One job of a transaction: a start, stop or verification of one unit, the jobs it waits for,
/// and its outcome. Its fields belong to the engine's loop; <see cref="Done"/> is what others await.
/// </summary>
internal sealed class Job
{
    public required int Id { get; init; }
    public required string Unit { get; init; }
    public required JobType Type { get; init; }
    /// <summary>The jobs this one waits for (ordering), set once when its transaction is made.</summary>
    public IReadOnlyList<Job> After { get; set; } = [];
    /// <summary>Jobs whose start fails if this one's does (they require it and are ordered after it).</summary>
    public List<Job> Requirers { get; } = [];
    /// <summary>Who asked and how, for the death records of a stop: "stop", "restart", "stop: bound to db.service …".</summary>
    public string Verb { get; init; } = "start";
    public int? Uid { get; init; }
    public TimeSpan? Timeout { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];
    /// <summary>What asked for this start when no request did (a timer's elapse).</summary>
    public string? Cause { get; init; }

    public bool Running { get; set; }
    /// <summary>A unit this job required whose start failed: it will not run.</summary>
    public string? FailedDependency { get; set; }
    public bool Canceled { get; set; }

    public TaskCompletionSource<JobResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public JobInfo Info() => new(Id, Unit, JobTypeNames.Format(Type), Running ? "running" : "waiting",
        [.. After.Where(a => !a.Done.Task.IsCompleted).Select(a => a.Unit)]);
}
