using Corral.Core.Units;
using Corral.Daemon.Services;

namespace Corral.Daemon.Jobs;

/// <summary>
/// What a unit's change of state does to others outside any request, as systemd.unit(5) says: a
/// unit bound to one that went down stops (BindsTo=); a failed unit starts its OnFailure= units,
/// one that ended well its OnSuccess= units, with $MONITOR_* saying which and how; a unit that
/// upholds another starts it again whenever it is down (Upholds=).
/// </summary>
internal sealed partial class JobEngine
{
    // The active state each unit was last seen in (loop-owned), to see it change.
    private readonly Dictionary<string, string> _lastState = new(StringComparer.Ordinal);

    /// <summary>Told of every unit's change (any thread); looked at on the engine's loop.</summary>
    public void OnUnitChanged(string unit) => _loop.Post(() => Look(unit));

    private void Look(string unit)
    {
        var graph = _manager.Graph();
        if (!graph.Knows(unit)) return;
        var status = _manager.Status(unit, withProcesses: false);
        if (status is null) return;
        // The state and since when: a run that went from inactive to failed (or back to inactive) between
        // two looks is still a change, though the state names alone would look the same.
        string now = status.ActiveState, key = $"{now}@{status.StateSince?.UtcTicks}";
        string? prior = _lastState.GetValueOrDefault(unit);
        if (prior == key) return;
        _lastState[unit] = key;
        if (now is "inactive" or "failed")
        {
            foreach (var bound in graph.Reverse(unit, DependencyKind.BindsTo).Where(_manager.IsActive))
                Launch(() => StopAsync(bound, null, noBlock: true, $"stop: {unit}, which it is bound to (BindsTo=), went {now}"));
            var handlers = now == "failed" ? graph.Forward(unit, DependencyKind.OnFailure)
                : status.Result == "success" ? graph.Forward(unit, DependencyKind.OnSuccess) : [];
            foreach (var h in handlers)
                Launch(() => StartAsync(h, null, Monitor(status)));
            foreach (var upholder in graph.Reverse(unit, DependencyKind.Upholds).Where(_manager.IsActive))
                Launch(() => StartAsync(unit));
        }
        if (now == "active" && prior?.StartsWith("active@", StringComparison.Ordinal) != true)
            foreach (var upheld in graph.Forward(unit, DependencyKind.Upholds).Where(u => !_manager.IsActive(u)))
                Launch(() => StartAsync(upheld));
    }

    /// <summary>systemd's $MONITOR_* for OnFailure=/OnSuccess= handlers: the unit, its result and how its main process ended.</summary>
    private static List<KeyValuePair<string, string>> Monitor(Wire.UnitStatus s)
    {
        var env = new List<KeyValuePair<string, string>> { new("MONITOR_UNIT", s.Name), new("MONITOR_SERVICE_RESULT", s.Result) };
        if (s.ExecMainCode != 0)
        {
            env.Add(new("MONITOR_EXIT_CODE", new Core.State.ExitStatus((Core.State.ExitCode)s.ExecMainCode, s.ExecMainStatus).CodeName));
            env.Add(new("MONITOR_EXIT_STATUS", s.ExecMainCode == 1 ? s.ExecMainStatus.ToString()
                : Core.Signals.SignalNames.Format(s.ExecMainStatus).Replace("SIG", "")));
        }
        return env;
    }

    /// <summary>A job started by a change, not by a request: nobody awaits it; a failure is said on the daemon's stderr.</summary>
    private static void Launch(Func<Task<JobResult>> job) => _ = Task.Run(async () =>
    {
        var r = await job();
        if (!r.Ok) Console.Error.WriteLine($"corral: {r.Error}");
    });
}
