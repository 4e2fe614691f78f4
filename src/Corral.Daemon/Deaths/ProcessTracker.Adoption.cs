using System.Collections.Concurrent;
using Corral.Core.Deaths;
using Corral.Core.State;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Taking over runs after the daemon's own death. Their main processes are no longer the daemon's
/// children, so their exits come from the process connector (with the raw wait status) instead of
/// the reaper; a main process that ended while the daemon was down gets a record saying so.
/// </summary>
public sealed partial class ProcessTracker
{
    private readonly ConcurrentDictionary<int, Action<ExitStatus>> _exitWatches = new();

    /// <summary>Calls <paramref name="onExit"/> with the status of the process's exit event.</summary>
    public void WatchExit(int pid, Action<ExitStatus> onExit) => _exitWatches[pid] = onExit;

    /// <summary>Stops watching; true when the exit had not been reported yet.</summary>
    public bool UnwatchExit(int pid) => _exitWatches.TryRemove(pid, out _);

    /// <summary>Called for every exit event, before anything else is done with it.</summary>
    private void DispatchWatchedExit(int pid, int rawStatus)
    {
        if (_exitWatches.TryRemove(pid, out var onExit)) onExit(ExitStatus.FromRaw(rawStatus));
    }

    /// <summary>A process of a run that ended while no daemon watched: recorded with an unknown status and the time window.</summary>
    public void RecordGone(string unit, int pid, string role, string? comm, DateTimeOffset? lastSeenAlive)
    {
        string window = lastSeenAlive is { } t ? $"between {Core.Text.TimeText.Clock(t)} (the daemon's last heartbeat) and {Core.Text.TimeText.Clock(DateTimeOffset.Now)}" : "before the daemon came back";
        _procs.TryRemove(pid, out _);
        try
        {
            _store.Add(new DeathRecord
            {
                Unit = unit, Pid = pid, Role = role, Comm = comm ?? "?", EndedAt = DateTimeOffset.Now, Status = ExitStatus.Unknown,
                Cause = DeathCause.Unknown,
                Reason = $"it ended while the daemon was down, {window}; its exit status went to whoever reaped it",
            });
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"corral: cannot record the death of pid {pid} ({unit}): {e.Message}");
        }
    }
}
