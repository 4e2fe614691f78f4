using Corral.Core.Units;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>Holds every unit: its last load result and, once loaded, its runner.</summary>
internal sealed partial class Manager(DaemonOptions options, ServiceContext ctx) : IDisposable
{
    private readonly object _gate = new();
    // Alias → unit ("default.target" → "multi-user.target") and what .wants/ directories add, as last read.
    private Dictionary<string, string> _aliases = new(StringComparer.Ordinal);
    private Dictionary<string, Core.Units.UnitDependencies> _linked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnitLoadResult> _loads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ServiceRunner> _runners = new(StringComparer.Ordinal);

    // Templates (NAME@.service) by name, as last read: what instances are made from.
    private readonly Dictionary<string, UnitLoadResult> _templates = new(StringComparer.Ordinal);

    /// <summary>
    /// (Re)reads the unit directories. Running units keep running; new definitions apply to their
    /// next transition. An instance made from a template is made again from the template as it is
    /// now. Returns once every runner has its new definition (each on its own loop), so what is read
    /// right after the reload is the new definition.
    /// </summary>
    public async Task<List<string>> ReloadAsync()
    {
        var catalog = UnitCatalog.LoadAll(options.UnitDirs, EnabledDir);
        var loads = catalog.Units;
        List<string> instances;
        // Instances made before (a service's runner, a timer's or socket's load) are read again from their templates.
        lock (_gate)
            instances = _runners.Keys.Concat(_loads.Keys.Where(n => n.Contains('@') && (UnitNames.IsTimer(n) || UnitNames.IsSocket(n))))
                .Where(n => !loads.ContainsKey(n)).Distinct().ToList();
        foreach (var name in instances)
            if (UnitNames.TryInstance(name, out string template, out _) && catalog.Templates.TryGetValue(template, out var t))
                loads[name] = WithLinks(UnitCatalog.LoadInstance(options.UnitDirs, t.FilePath, name), catalog.Linked);
        // Read before the lock: the warnings read unit files and the cgroup controllers.
        var messages = loads.Values.Concat(catalog.Templates.Values)
            .SelectMany(load => load.Diagnostics.Concat(LimitEnforcement.Warnings(load, ctx.Cgroups))).Select(d => d.ToString()).Distinct().ToList();
        var updates = new List<(ServiceRunner Runner, ServiceUnit Unit)>();
        var removed = new List<ServiceRunner>();
        lock (_gate)
        {
            _loads.Clear();
            _templates.Clear();
            _aliases = catalog.Aliases;
            _linked = catalog.Linked;
            InvalidateGraph();
            _fileStates.Clear();
            _fileStatesGeneration++;
            foreach (var (name, template) in catalog.Templates) _templates[name] = template;
            foreach (var (name, load) in loads)
            {
                _loads[name] = load;
                if (load.Unit is null) continue;
                if (_runners.TryGetValue(name, out var r)) updates.Add((r, load.Unit));
                else _runners[name] = new ServiceRunner(load.Unit, ctx);
            }
            foreach (var name in _runners.Keys.Where(n => !loads.ContainsKey(n)).ToList())
            {
                if (Core.State.ServiceStateNames.IsInactive(_runners[name].State))
                {
                    removed.Add(_runners[name]);
                    _runners.Remove(name);
                }
            }
        }
        // Outside the lock: an update may run on this thread, with whatever the unit's loop had queued.
        await Task.WhenAll(updates.Select(u => u.Runner.UpdateUnitAsync(u.Unit)));
        await Timers.UpdateAsync(loads.Values.Select(l => l.Timer).OfType<Core.Timers.TimerUnit>().Select(ForEngine));
        await Sockets.UpdateAsync(loads.Values.Select(l => l.Socket).OfType<Core.Sockets.SocketUnit>().Select(ForEngine));
        foreach (var r in removed) r.Dispose(); // on its loop, outside the manager's lock
        foreach (var m in messages) Console.Error.WriteLine($"corral: {m}");
        return messages;
    }

    /// <summary>The first load, at start-up (nothing else runs yet).</summary>
    public List<string> Reload() => ReloadAsync().GetAwaiter().GetResult();

    /// <summary>The runner of a unit that has one (loaded, or an instance already made); never makes one.</summary>
    public bool TryGetRunner(string name, out ServiceRunner runner)
    {
        name = Resolve(name);
        lock (_gate) return _runners.TryGetValue(name, out runner!);
    }

    /// <summary>
    /// The runner a request acts on: the unit's, or an instance's made now from its template
    /// (systemctl start getty@tty1 needs no getty@tty1.service file). Otherwise the error to answer:
    /// a name that cannot be a unit's, a template named without an instance, a unit that did not
    /// load, or none at all.
    /// </summary>
    public bool TryGetOrMakeRunner(string name, out ServiceRunner runner, out string? error)
    {
        name = Resolve(name);
        if (TryGetRunner(name, out runner)) { error = null; return true; }
        var (load, why) = Find(name);
        if (why is not null || load?.Unit is null)
        {
            error = why ?? LoadFailed(load!);
            return false;
        }
        lock (_gate)
        {
            // Another request may have made it meanwhile: one runner per unit, always.
            if (!_runners.TryGetValue(name, out runner!))
            {
                runner = new ServiceRunner(load.Unit, ctx);
                _runners[name] = runner;
                _loads[name] = load;
                InvalidateGraph(); // a new instance: its dependencies join the graph
            }
        }
        error = null;
        return true;
    }

    /// <summary>The error of a unit whose file did not load, as every request that names it says it.</summary>
    public static string LoadFailed(UnitLoadResult load) => $"unit {load.Name} failed to load: {load.FirstError}";

    /// <summary>
    /// The load of a unit without a runner: its own file's (which failed), or an instance's read now
    /// from its template; a template's own, with the reason it cannot run. Null with the reason
    /// when there is none.
    /// </summary>
    private (UnitLoadResult? Load, string? Error) Find(string name)
    {
        if (UnitNames.Invalid(name) is { } invalid) return (null, $"not a unit name: {invalid}");
        UnitLoadResult? template = null;
        lock (_gate)
        {
            if (_loads.TryGetValue(name, out var own)) return (own, null);
            if (_templates.TryGetValue(name, out var t))
                return (t, $"unit {name} is a template ({t.FilePath}): name an instance of it, {UnitNames.Short(name)}NAME");
            if (UnitNames.TryInstance(name, out string templateName, out _)) _templates.TryGetValue(templateName, out template);
        }
        if (template is null) return (null, $"unit {name} not found");
        // Read outside the lock: the template's file and the instance's drop-ins.
        Dictionary<string, UnitDependencies> linked;
        lock (_gate) linked = _linked;
        return (WithLinks(UnitCatalog.LoadInstance(options.UnitDirs, template.FilePath, name), linked), null);
    }

    /// <summary>Whether a unit of that name is loaded, running or can be made from a template (what Status would answer for), without taking its snapshot.</summary>
    public bool Knows(string name)
    {
        name = Resolve(name);
        lock (_gate)
        {
            if (_runners.ContainsKey(name) || _loads.ContainsKey(name)) return true;
            return UnitNames.Invalid(name) is null && UnitNames.TryInstance(name, out string template, out _) && _templates.ContainsKey(template);
        }
    }

    /// <summary>
    /// A unit as status and show report it. The snapshot is taken outside the manager's lock, from the
    /// view the unit's loop last published: a busy unit holds up neither this unit's readers nor the
    /// others' (list, /metrics and the page take one of each). An instance not made yet is shown as
    /// its template makes it, inactive, and is not kept: reading makes nothing.
    /// </summary>
    public UnitStatus? Status(string name, bool withProcesses)
    {
        var s = Snapshot(name, withProcesses);
        if (s is null) return null;
        UnitLoadResult? load;
        lock (_gate) _loads.TryGetValue(s.Name, out load);
        return load is { Documentation.Count: > 0 } ? s with { Documentation = load.Documentation } : s;
    }

    private UnitStatus? Snapshot(string name, bool withProcesses)
    {
        name = Resolve(name);
        ServiceRunner? runner;
        UnitLoadResult? load;
        lock (_gate)
        {
            _runners.TryGetValue(name, out runner);
            _loads.TryGetValue(name, out load);
        }
        if (load?.Target is { } target) return TargetStatus(target, load);
        if (load?.Timer is { } timer) return TimerStatus(timer, load);
        if (load?.Socket is { } socket) return SocketStatus(socket, load);
        if (runner is not null)
        {
            var s = WithJob(runner.Snapshot(withProcesses));
            // A file edited into errors: the service keeps running on its last good definition, and says so.
            if (load is { Unit: null })
                return s with { LoadState = "error", LoadError = $"{load.FirstError} (running on the definition loaded before)" };
            return load is not null ? s : s with { LoadState = "not-found" };
        }
        if (load is null && UnitNames.Invalid(name) is null && name.Contains('@'))
        {
            load = Find(name).Load;
            // An instance of a template timer or socket not made yet: as its template makes it, inactive.
            if (load?.Timer is { } unmadeTimer) return TimerStatus(unmadeTimer, load);
            if (load?.Socket is { } unmadeSocket) return SocketStatus(unmadeSocket, load);
            if (load?.Unit is { } unit)
            {
                using var unmade = new ServiceRunner(unit, ctx);
                return unmade.Snapshot(withProcesses: false);
            }
        }
        if (load is not null)
            return new UnitStatus
            {
                Name = name, LoadState = "error", LoadError = load.FirstError, FragmentPath = load.FilePath,
                DropInPaths = [.. load.DropInPaths], ActiveState = "inactive", SubState = "dead",
            };
        return null;
    }

    public List<UnitStatus> List()
    {
        List<string> names;
        lock (_gate) names = _loads.Keys.Union(_runners.Keys).Order(StringComparer.Ordinal).ToList();
        return names.Select(n => Status(n, withProcesses: false)).OfType<UnitStatus>().ToList();
    }

    /// <summary>
    /// After a daemon-reexec, once the runs are taken over: each unit's fd store as the previous image
    /// held it (descriptors "fdstore/UNIT/INDEX"); a unit that is gone has its descriptors closed.
    /// </summary>
    public void RestoreFdStores(IReadOnlyDictionary<string, List<string>> stores, Func<string, int?> claim)
    {
        foreach (var (unit, names) in stores)
        {
            var fds = new List<(string, int)>();
            for (int i = 0; i < names.Count; i++)
                if (claim(Reexec.HandoverState.FdStoreName(unit, i)) is { } fd) fds.Add((names[i], fd));
            if (TryGetRunner(unit, out var runner)) runner.RestoreFdStoreAsync(fds).Wait();
            else foreach (var (_, fd) in fds) Linux.Descriptors.Close(fd);
        }
    }

    /// <summary>
    /// At start-up, after the first Reload: takes over the runs a daemon killed with SIGKILL left
    /// (their run records), then stops whatever else is found in unit cgroups under the root — the
    /// cgroup of a unit that no longer exists, or one nothing accounts for — with a notice each.
    /// </summary>
    /// <param name="partialLines">by unit, the starts of lines the previous program image had read (daemon-reexec)</param>
    public void AdoptLeftRuns(IReadOnlyDictionary<string, PartialLines>? partialLines = null)
    {
        var lastBeat = ctx.Runs.LastBeat();
        var adopted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in ctx.Runs.LoadAll())
        {
            // An instance's run: the instance is made again from its template.
            if (!TryGetOrMakeRunner(r.Unit, out var runner, out _))
            {
                ctx.Runs.Delete(r.Unit);
                continue;
            }
            Console.Error.WriteLine($"corral: {r.Unit}: taking over its run ({r.State}, main pid {r.MainPid}) from the previous daemon");
            runner.Adopt(r, lastBeat, partialLines?.GetValueOrDefault(r.Unit));
            adopted.Add(r.Unit);
        }
        foreach (var name in ctx.Cgroups.UnitCgroupNames().Where(n => !adopted.Contains(n)))
        {
            if (!TryGetOrMakeRunner(name, out var runner, out _)) StopLeftover(name);
            else if (ctx.Cgroups.IsPopulated(ctx.Cgroups.For(name)))
            {
                AdoptUnrecorded(runner, lastBeat);
                adopted.Add(name);
            }
            else ctx.Cgroups.TryRemove(ctx.Cgroups.For(name)); // an empty cgroup of a run that ended
        }
        // Every process of the runs taken over, found with one look at /proc for all of them (one
        // per unit cost a whole /proc walk each: half a second for 100 units on this machine).
        var withCgroup = adopted.Where(u => Directory.Exists(ctx.Cgroups.For(u).Path)).ToList();
        if (withCgroup.Count > 0) ctx.Tracker.Rescan(withCgroup);
    }

    /// <summary>A unit's cgroup with processes but no run record (its write failed, the disk was full): adopted, not stopped.</summary>
    private void AdoptUnrecorded(ServiceRunner runner, DateTimeOffset? lastBeat)
    {
        string name = runner.Unit.Name;
        string how = runner.AdoptUnrecorded(lastBeat);
        string message = $"{name} was found running with no run record (the previous daemon could not write it); taken over: {how}";
        Console.Error.WriteLine($"corral: {message}");
        ctx.Store.Add(new Notices.Notice(Notices.NoticeKinds.AdoptedUnrecorded, name, message));
    }

    /// <summary>The cgroup of a unit that no longer exists: its processes are stopped (SIGTERM, then SIGKILL after 5 s) and it is removed.</summary>
    private void StopLeftover(string name)
    {
        var cg = ctx.Cgroups.For(name);
        var pids = ctx.Cgroups.ReadPids(cg);
        const string why = "the unit no longer exists";
        ctx.Store.Add(new Notices.Notice(Notices.NoticeKinds.LeftoverCgroup, name,
            $"cgroup {cg.Path} was left with {pids.Count} process{(pids.Count == 1 ? "" : "es")} ({why}); stopping it: SIGTERM, SIGKILL after 5s")
        { Count = pids.Count });
        Console.Error.WriteLine($"corral: {name}: leftover cgroup with {pids.Count} processes ({why}); stopping it");
        _ = Task.Run(async () =>
        {
            foreach (int pid in pids) Linux.Signaller.TryKill(pid, Core.Signals.SignalNames.SigTerm);
            for (int i = 0; i < 50 && ctx.Cgroups.IsPopulated(cg); i++) await Task.Delay(100);
            if (ctx.Cgroups.IsPopulated(cg)) ctx.Cgroups.KillAll(cg);
            for (int i = 0; i < 50 && ctx.Cgroups.IsPopulated(cg); i++) await Task.Delay(100);
            ctx.Cgroups.TryRemove(cg);
        });
    }

    /// <summary>
    /// An instance an Accept=yes socket made for one connection, dead again: its runner and load go
    /// (systemd collects such units). A failed one stays, for status and reset-failed, as systemd's
    /// default CollectMode=inactive keeps it.
    /// </summary>
    public void Forget(string name)
    {
        ServiceRunner? r;
        string template;
        lock (_gate)
        {
            if (!UnitNames.TryInstance(name, out template, out _) || !_runners.TryGetValue(name, out r) || r.State != Core.State.ServiceState.Dead) return;
            _runners.Remove(name);
            _loads.Remove(name);
            InvalidateGraph();
        }
        r.Dispose();
        LogFiles.PruneLetGo(options.LogDir, template, instance => TryGetRunner(instance, out _), KeptLogsOfLetGo);
    }

    /// <summary>
    /// The logs kept of instances let go, per template: an Accept=yes socket makes an instance per
    /// connection, and a file each would fill the log directory's inodes under a flood of them.
    /// </summary>
    public const int KeptLogsOfLetGo = 64;

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
        List<ServiceRunner> runners;
        lock (_gate) runners = [.. _runners.Values];
        foreach (var r in runners) r.Dispose();
        Timers.Dispose();
        Sockets.Dispose();
    }
}
