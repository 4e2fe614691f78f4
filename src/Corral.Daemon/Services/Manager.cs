using Corral.Core.Units;
using Corral.Daemon.Api;

namespace Corral.Daemon.Services;

/// <summary>Holds every unit: its last load result and, once loaded, its runner.</summary>
public sealed class Manager(DaemonOptions options, ServiceContext ctx) : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, UnitLoadResult> _loads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceRunner> _runners = new(StringComparer.Ordinal);

    /// <summary>(Re)reads the unit directories. Running units keep running; new definitions apply to their next transition.</summary>
    public List<string> Reload()
    {
        var loads = UnitCatalog.LoadAll(options.UnitDirs);
        var messages = new List<string>();
        lock (_gate)
        {
            _loads.Clear();
            foreach (var (name, load) in loads)
            {
                _loads[name] = load;
                messages.AddRange(load.Diagnostics.Select(d => d.ToString()));
                if (load.Unit is null) continue;
                if (_runners.TryGetValue(name, out var r)) r.UpdateUnit(load.Unit);
                else _runners[name] = new ServiceRunner(load.Unit, ctx);
            }
            foreach (var name in _runners.Keys.Where(n => !loads.ContainsKey(n)).ToList())
            {
                if (Core.State.ServiceStateNames.IsInactive(_runners[name].State))
                {
                    _runners[name].Dispose();
                    _runners.Remove(name);
                }
            }
        }
        foreach (var m in messages) Console.Error.WriteLine($"corral: {m}");
        return messages;
    }

    public bool TryGetRunner(string name, out ServiceRunner runner, out string? error)
    {
        name = UnitCatalog.Normalize(name);
        lock (_gate)
        {
            if (_runners.TryGetValue(name, out runner!)) { error = null; return true; }
            error = _loads.TryGetValue(name, out var load)
                ? $"unit {name} failed to load: {load.FirstError}"
                : $"unit {name} not found";
            return false;
        }
    }

    public UnitStatus? Status(string name, bool withProcesses)
    {
        name = UnitCatalog.Normalize(name);
        lock (_gate)
        {
            if (_runners.TryGetValue(name, out var r))
            {
                var s = r.Snapshot(withProcesses);
                // A file edited into errors: the service keeps running on its last good definition, and says so.
                if (_loads.TryGetValue(name, out var now) && now.Unit is null)
                    return s with { LoadState = "error", LoadError = $"{now.FirstError} (running on the definition loaded before)" };
                return _loads.ContainsKey(name) ? s : s with { LoadState = "not-found" };
            }
            if (_loads.TryGetValue(name, out var load))
                return new UnitStatus
                {
                    Name = name, LoadState = "error", LoadError = load.FirstError, FragmentPath = load.FilePath,
                    ActiveState = "inactive", SubState = "dead",
                };
            return null;
        }
    }

    public List<UnitStatus> List()
    {
        List<string> names;
        lock (_gate) names = _loads.Keys.Union(_runners.Keys).Order(StringComparer.Ordinal).ToList();
        return names.Select(n => Status(n, withProcesses: false)).OfType<UnitStatus>().ToList();
    }

    /// <summary>Every runner now (a copy: the monitor walks it without holding the manager's lock).</summary>
    public List<ServiceRunner> Runners()
    {
        lock (_gate) return [.. _runners.Values];
    }

    public async Task StopAllAsync()
    {
        List<ServiceRunner> runners;
        lock (_gate) runners = _runners.Values.ToList();
        await Task.WhenAll(runners.Select(r => r.StopAsync(null, noBlock: false, "daemon shutdown")));
    }

    public void Dispose()
    {
        lock (_gate)
            foreach (var r in _runners.Values) r.Dispose();
    }
}
