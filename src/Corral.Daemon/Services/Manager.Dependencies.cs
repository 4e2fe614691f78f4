using Corral.Core.Jobs;
using Corral.Core.State;
using Corral.Core.Units;
using Corral.Daemon.Jobs;
using Corral.Daemon.Sockets;
using Corral.Daemon.Timers;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>What the job engine asks of the manager: names through aliases, the dependency graph, who is active, targets.</summary>
internal sealed partial class Manager
{
    // The graph of the loaded units; made again after a reload or once a new instance is made. The
    // generation moves with every change: a graph built from the units before a change (on another
    // thread, outside the lock) is not kept after it, or a new instance would be missing from it.
    private DependencyGraph? _graph;
    private long _graphGeneration;

    /// <summary>Under the lock: the units changed; the graph is made again when next asked for.</summary>
    private void InvalidateGraph()
    {
        _graph = null;
        _graphGeneration++;
    }

    /// <summary>Corral's own enablement: the links enable, disable and set-default make (never /etc/systemd).</summary>
    public string EnabledDir => Path.Combine(options.StateDir, "enabled");

    public IReadOnlyList<string> UnitDirs => options.UnitDirs;

    /// <summary>Whether each target is active; written by the job engine only.</summary>
    public TargetStates Targets { get; } = new(ctx.Clock);

    /// <summary>Every socket unit's life (its own loop) and its listening sockets.</summary>
    public SocketEngine Sockets { get; } = new(ctx.Clock);

    /// <summary>Every timer's life (its own loop).</summary>
    public TimerEngine Timers { get; } = new(ctx.Clock, new TimerFiles(Path.Combine(options.StateDir, "timers")), TimerEngine.ProcessStart(ctx.Clock));

    /// <summary>The job of a unit now, if any (the job engine's published view).</summary>
    public Func<string, JobInfo?>? JobOf { get; set; }

    /// <summary>"web" → "web.service"; an alias → the unit it names ("default.target" → "multi-user.target").</summary>
    public string Resolve(string name)
    {
        name = UnitNames.Normalize(name);
        lock (_gate) return _aliases.TryGetValue(name, out var real) ? real : name;
    }

    private static UnitLoadResult WithLinks(UnitLoadResult load, Dictionary<string, UnitDependencies> linked) =>
        linked.TryGetValue(load.Name, out var l) ? UnitCatalog.WithLinks(load, l) : load;

    /// <summary>
    /// The dependency graph of every loaded unit and made instance, plus instances that a loaded
    /// unit names and a template can make (getty@tty1.service in a .wants/ directory).
    /// </summary>
    public DependencyGraph Graph()
    {
        Dictionary<string, UnitDependencies> deps;
        long generation;
        lock (_gate)
        {
            if (_graph is not null) return _graph;
            generation = _graphGeneration;
            deps = _loads.Where(kv => kv.Value.Loaded).ToDictionary(kv => kv.Key, kv => kv.Value.Dependencies, StringComparer.Ordinal);
        }
        foreach (var name in deps.Values.SelectMany(d => d.All.Select(x => x.Unit)).Distinct().Where(n => !deps.ContainsKey(n) && n.Contains('@')).ToList())
            if (Find(name).Load is { Loaded: true } instance) deps[name] = instance.Dependencies;
        var graph = new DependencyGraph(deps, UnitNames.IsTarget);
        lock (_gate)
            if (generation == _graphGeneration) _graph ??= graph;
        return graph;
    }

    /// <summary>Why a unit cannot be part of a transaction: "not found", or its file's error.</summary>
    public string? LoadError(string name)
    {
        var (load, why) = Find(Resolve(name));
        if (load is { Loaded: true }) return null;
        if (load is not null && why is null) return $"failed to load: {load.FirstError}";
        return why is not null && why.StartsWith($"unit {name} ", StringComparison.Ordinal) ? why[$"unit {name} ".Length..] : why ?? "not found";
    }

    /// <summary>A unit that runs or is on its way (active, activating, reloading, deactivating); a target or a timer that is active.</summary>
    public bool IsActive(string name)
    {
        if (UnitNames.IsTarget(name)) return Targets.IsActive(name);
        if (UnitNames.IsTimer(name)) return Timers.IsActive(name);
        if (UnitNames.IsSocket(name)) return Sockets.IsActive(name);
        return TryGetRunner(name, out var r) && !ServiceStateNames.IsInactive(r.State);
    }

    /// <summary>The target to load as a target (a file's, or Corral's own multi-user.target).</summary>
    public TargetUnit? Target(string name)
    {
        name = Resolve(name);
        lock (_gate) return _loads.TryGetValue(name, out var l) ? l.Target : null;
    }

    public IReadOnlyList<string> ActiveUnits()
    {
        List<string> names;
        lock (_gate) names = [.. _runners.Keys];
        return [.. names.Where(IsActive).Concat(Targets.Active).Concat(Timers.Active).Concat(Sockets.Active)];
    }

    /// <summary>The socket unit to start as a socket.</summary>
    public Core.Sockets.SocketUnit? Socket(string name) => LoadOrInstance(name)?.Socket is { } socket ? ForEngine(socket) : null;

    /// <summary>The timer to start as a timer (an instance of a template timer is made now: pg_dump@main.timer).</summary>
    public Core.Timers.TimerUnit? Timer(string name) => LoadOrInstance(name)?.Timer is { } timer ? ForEngine(timer) : null;

    /// <summary>
    /// A socket's or timer's definition as its engine gets it: the unit it starts named by its real
    /// name, not an alias (Service=syslog.service → rsyslog.service), since the engine matches it
    /// against the names runners have, in their changes and their spawns.
    /// </summary>
    public Core.Sockets.SocketUnit ForEngine(Core.Sockets.SocketUnit socket) =>
        socket.Accept ? socket : socket with { Service = Resolve(socket.Service) };

    public Core.Timers.TimerUnit ForEngine(Core.Timers.TimerUnit timer) => timer with { Unit = Resolve(timer.Unit) };

    private UnitLoadResult? LoadOrInstance(string name)
    {
        name = Resolve(name);
        lock (_gate)
            if (_loads.TryGetValue(name, out var l)) return l;
        return TryMakeInstance(name) ? LoadOrInstance(name) : null;
    }

    /// <summary>
    /// An instance of a template timer or socket, read from its template now and kept as a load (as
    /// a service instance's runner is kept), so the graph, the engines and status have it; false when
    /// it cannot be made (no template, errors in it, or not a timer or socket instance).
    /// </summary>
    public bool TryMakeInstance(string name)
    {
        name = Resolve(name);
        if (!(UnitNames.IsTimer(name) || UnitNames.IsSocket(name)) || !name.Contains('@')) return false;
        lock (_gate)
            if (_loads.ContainsKey(name)) return true;
        var (load, why) = Find(name);
        if (why is not null || load is not { Loaded: true }) return false;
        lock (_gate)
            if (_loads.TryAdd(name, load)) InvalidateGraph();
        return true;
    }

    /// <summary>What a timer needs of the unit it starts (a service's runner, or a target): null when it is neither.</summary>
    public UnitActivity? Activity(string name)
    {
        if (UnitNames.IsTarget(name))
        {
            bool active = Targets.IsActive(name);
            var since = Targets.Since(name);
            return new UnitActivity(!active, active ? since : null, active ? null : since);
        }
        if (!TryGetRunner(name, out var r)) return Knows(name) ? new UnitActivity(true, null, null) : null;
        var v = r.Activity;
        return new UnitActivity(ServiceStateNames.IsInactive(v.State), v.ActivatedAt, v.DeactivatedAt);
    }

    private UnitStatus TargetStatus(TargetUnit target, UnitLoadResult load)
    {
        bool active = Targets.IsActive(target.Name);
        return new UnitStatus
        {
            Name = target.Name, Description = target.Description, LoadState = "loaded", Type = "target",
            ActiveState = active ? "active" : "inactive", SubState = active ? "active" : "dead",
            FragmentPath = target.FilePath, DropInPaths = [.. load.DropInPaths], StateSince = Targets.Since(target.Name),
            Job = JobOf?.Invoke(target.Name)?.Describe(), UnitFileState = FileState(target.Name, load),
            Dependencies = DependencyProperties.Of(Graph(), target.Name),
        };
    }

    /// <summary>The loaded timers and sockets whose Unit= or Service= is this unit (or an alias of it).</summary>
    private List<string> TriggeredBy(string unit)
    {
        lock (_gate)
            return [.. _loads.Values.Where(l => (l.Timer?.Unit ?? l.Socket?.Service) is { } t && (t == unit || Resolve(t) == unit))
                .Select(l => l.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>What status says of a unit with no process of its own that starts another (a socket, a timer): its engine's view.</summary>
    private UnitStatus Starter(string name, string description, string type, string filePath, UnitLoadResult load,
        string sub, string activeState, string? result, DateTimeOffset? since, string? lastError, string? unmet) => new()
    {
        Name = name, Description = description, LoadState = "loaded", Type = type,
        ActiveState = activeState, SubState = sub, Result = result ?? "success",
        FragmentPath = filePath, DropInPaths = [.. load.DropInPaths], StateSince = since,
        Job = JobOf?.Invoke(name)?.Describe(), UnitFileState = FileState(name, load),
        Dependencies = DependencyProperties.Of(Graph(), name), LastError = lastError, UnmetCondition = unmet,
        RunsWithout = [.. load.NotEnforced.Select(n => n.Key + "=").Distinct()],
    };

    private UnitStatus SocketStatus(Core.Sockets.SocketUnit socket, UnitLoadResult load)
    {
        var v = Sockets.View(socket.Name);
        string sub = v?.SubState ?? SocketStates.Dead;
        return Starter(socket.Name, socket.Description, "socket", socket.FilePath, load, sub, SocketStates.Active(sub), v?.Result, v?.Since, v?.LastError, v?.UnmetCondition) with
        {
            Socket = new SocketInfo
            {
                Service = socket.Service, Listen = [.. socket.Listen.Select(l => new SocketListen(l.Listen, l.TypeName))],
                Triggers = v?.Triggers ?? 0, LastTrigger = v?.LastTrigger, FileDescriptorName = socket.FileDescriptorName,
                Accept = socket.Accept, Accepted = v?.Triggers ?? 0, Connections = v?.Connections ?? 0, Refused = v?.Refused ?? 0,
            },
        };
    }

    private UnitStatus TimerStatus(Core.Timers.TimerUnit timer, UnitLoadResult load)
    {
        var v = Timers.View(timer.Name);
        string sub = v?.SubState ?? TimerStates.Dead;
        return Starter(timer.Name, timer.Description, "timer", timer.FilePath, load, sub, TimerStates.Active(sub), v?.Result, v?.Since, v?.LastError, v?.UnmetCondition) with
        {
            Timer = new TimerInfo
            {
                Unit = timer.Unit, Triggers = [.. timer.Values.Select(x => x.ToString())], NextElapse = v?.Next, LastTrigger = v?.LastTrigger,
                Persistent = timer.Persistent, AccuracyUSec = timer.Accuracy.Ticks / 10, RandomizedDelayUSec = timer.RandomizedDelay.Ticks / 10,
                RemainAfterElapse = timer.RemainAfterElapse,
            },
        };
    }

    private UnitStatus WithJob(UnitStatus s)
    {
        UnitLoadResult? load;
        lock (_gate) _loads.TryGetValue(s.Name, out load);
        return s with
        {
            Job = JobOf?.Invoke(s.Name)?.Describe(),
            UnitFileState = load is null ? null : FileState(s.Name, load),
            Dependencies = DependencyProperties.Of(Graph(), s.Name),
            TriggeredBy = TriggeredBy(s.Name),
        };
    }

    // is-enabled's answer by unit, read from the links once per reload (enable and disable reload):
    // list, the page's feed and /metrics take every unit's status, and must not stat links each time.
    // A state read while a reload ran is not kept (the generation moved on): it may predate the links.
    private readonly Dictionary<string, string> _fileStates = new(StringComparer.Ordinal);
    private int _fileStatesGeneration;

    /// <summary>is-enabled's answer for a loaded unit: see <see cref="Enablement.State"/>.</summary>
    private string FileState(string name, UnitLoadResult load)
    {
        int generation;
        lock (_gate)
        {
            if (_fileStates.TryGetValue(name, out var known)) return known;
            generation = _fileStatesGeneration;
        }
        string state = Enablement.State(EnabledDir, name, load); // outside the lock: it reads the links
        lock (_gate)
            if (generation == _fileStatesGeneration) _fileStates[name] = state;
        return state;
    }

    /// <summary>Tells the live feed and the job engine that a unit changed (a target's state, which no runner owns).</summary>
    public void NotifyChanged(string unit) => ctx.Changes.Notify(unit);

    /// <summary>The load of a unit by name (a file's, a made instance's, or one an instance's template makes now), for enable.</summary>
    public (UnitLoadResult? Load, string? Error) LoadOf(string name) => Find(Resolve(name));

    /// <summary>Every service loaded from a file (templates and targets aside), by name: what `corral security` lists.</summary>
    public List<ServiceUnit> LoadedServices()
    {
        lock (_gate) return [.. _loads.Values.Select(l => l.Unit).OfType<ServiceUnit>().OrderBy(u => u.Name, StringComparer.Ordinal)];
    }

    /// <summary>The cgroup manager, for what this host cannot enforce.</summary>
    public Linux.Cgroups.ICgroupManager Cgroups => ctx.Cgroups;
}
