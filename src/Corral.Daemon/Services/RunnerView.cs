using Corral.Core.State;
using Corral.Core.Units;
using Corral.Linux.Cgroups;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>
/// A runner's state as its loop last published it (after every item that changed it): immutable,
/// so status, list, show, the health monitor and /metrics read it from any thread without waiting
/// on the loop. What the kernel knows (tasks, memory, processes, the freezer) is read beside it, from
/// the cgroup it names.
/// </summary>
internal sealed record RunnerView(
    ServiceUnit Unit,
    ServiceState State,
    DateTimeOffset StateSince,
    int MainPid,
    int ControlPid,
    int LastMainPid,
    ExitStatus? LastMainExit,
    ServiceResult Result,
    TimeSpan RestartDelay,
    int NRestarts,
    string? LastError,
    IReadOnlyList<int> LeftOver,
    IReadOnlyList<Escapee> EscapedLeft,
    ServiceCgroup? Cgroup,
    ServiceLog? Log)
{
    /// <summary>STATUS= of the service's last notification that said one.</summary>
    public string? StatusText { get; init; }
    public int? StatusErrno { get; init; }
    /// <summary>Notification messages of this unit refused since the daemon started, and the last refusal in words.</summary>
    public int NotifyRefused { get; init; }
    public string? NotifyLastRefused { get; init; }
    /// <summary>Why the last start was skipped (a Condition*=, or ExecCondition= exiting 1–254), or why its job failed (an Assert*=), and when.</summary>
    public string? UnmetCondition { get; init; }
    public string? UnmetAssert { get; init; }
    public DateTimeOffset? ConditionAt { get; init; }
    /// <summary>What started this run when no request did (a timer), and when the unit last left and entered inactive.</summary>
    public string? StartedBy { get; init; }
    public DateTimeOffset? ActivatedAt { get; init; }
    public DateTimeOffset? DeactivatedAt { get; init; }
    /// <summary>Descriptors in the fd store now (FDSTORE=1).</summary>
    public int FdStoreCount { get; init; }
    /// <summary>What this run's spawns could not give as asked.</summary>
    public IReadOnlyList<string> SpawnWarnings { get; init; } = [];
}
