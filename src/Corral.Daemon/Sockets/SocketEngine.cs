using System.Collections.Immutable;
using Corral.Core.Sockets;
using Corral.Daemon.Services;
using Corral.Daemon.Timers;
using Corral.Linux.Sockets;

namespace Corral.Daemon.Sockets;

/// <summary>
/// Every socket unit's life, on one loop. What moves a socket (Accept=no):
///
/// | state \ event     | start                         | readable             | its service went active | its service went inactive | its start job failed | stop |
/// |-------------------|-------------------------------|----------------------|-------------------------|---------------------------|----------------------|------|
/// | dead, failed      | bind all → listening (or failed, naming the address) | — | —                 | —                         | —                    | —    |
/// | listening         | (already active)              | start service → running | running (started by hand: it gets the sockets) | — | —             | dead |
/// | running           | (already active)              | —                    | —                       | listening (watched again) | failed when its start limit was hit or it cannot load; else listening | dead |
///
/// The descriptors are the loop's; a service's spawn gets duplicates (<see cref="SocketsFor"/>),
/// so a stop that closes them meanwhile cannot hand it another file under the same number. One
/// watcher thread (<see cref="ListenWatcher"/>) reports the first connection or datagram.
/// </summary>
internal sealed class SocketEngine(TimeProvider clock) : IDisposable
{
    private readonly ListenWatcher watcher = new();
    private readonly Mailbox _loop = new("sockets");
    private readonly Dictionary<string, SocketRun> _runs = new(StringComparer.Ordinal);
    private volatile ImmutableDictionary<string, SocketView> _views = ImmutableDictionary<string, SocketView>.Empty.WithComparers(StringComparer.Ordinal);

    public Func<string, string, Task<JobResult>>? StartUnit { get; set; }
    public Func<string, UnitActivity?>? Activity { get; set; }
    public Func<string, string?>? LoadError { get; set; }
    public Action<string>? Changed { get; set; }
    /// <summary>Accept=yes: an instance that served its connection and is inactive: the manager may let it go.</summary>
    public Action<string>? Forget { get; set; }
    /// <summary>Keeps the listening sockets open outside the daemon (null: they live as long as it does).</summary>
    public SocketHolder? Holder
    {
        get => _holder;
        set
        {
            _holder = value;
            // A holder that ends by itself (killed by someone) is replaced, a second later at the
            // soonest: one that dies at once each time costs a spawn a second, not a loop.
            if (value is not null)
                value.Lost = (h, status) => _ = Task.Delay(TimeSpan.FromSeconds(1)).ContinueWith(_ => _loop.Post(() =>
                {
                    if (!value.IsCurrent(h)) return;
                    Console.Error.WriteLine($"corral: the socket holder (pid {h.Pid}) ended by itself ({status}); holding the sockets in a new one");
                    _heldKey = null;
                    Republish();
                }), TaskScheduler.Default);
        }
    }
    private SocketHolder? _holder;

    public SocketView? View(string name) => _views.GetValueOrDefault(name);

    public bool IsActive(string name) => _views.TryGetValue(name, out var v) && v.ActiveState == "active";

    public IEnumerable<string> Active => _views.Values.Where(v => v.ActiveState == "active").Select(v => v.Name);

    public Task<JobResult> StartAsync(SocketUnit socket) => _loop.Ask(() =>
    {
        if (_runs.TryGetValue(socket.Name, out var run) && run.Active) return JobResult.Done;
        // Accept=yes names a template: it must make an instance.
        if (LoadError?.Invoke(socket.Accept ? socket.Service.Replace("@.service", "@0.service") : socket.Service) is { } why)
            return JobResult.Fail($"Refusing to start {socket.Name}: the service it starts, {socket.Service}, {why}.");
        run ??= _runs[socket.Name] = new SocketRun(socket, clock.GetLocalNow());
        run.Unit = socket;
        run.UnmetCondition = null;
        if (ConditionCheck.Refusal(socket.Name, socket.Conditions, socket.Asserts, out var unmet) is { } refusal)
        {
            run.UnmetCondition = unmet;
            Publish(run);
            return refusal;
        }
        try
        {
            Bind(run);
        }
        catch (ListenException e)
        {
            Close(run);
            run.Result = "resources";
            run.LastError = e.Message;
            Set(run, SocketStates.Failed);
            Console.Error.WriteLine($"corral: {socket.Name}: {e.Message}");
            return JobResult.Fail($"Job for {socket.Name} failed: {e.Message}. See 'corral status {socket.Name}'.");
        }
        run.Result = "success";
        run.LastError = null;
        if (!socket.Accept && Activity?.Invoke(socket.Service) is { Inactive: false }) Set(run, SocketStates.Running); // the service runs already
        else Listen(run);
        return JobResult.Done;
    });

    /// <summary>Every address of the unit, in its order; the first that fails ends it (the caller closes what was bound).</summary>
    private static void Bind(SocketRun run)
    {
        var s = run.Unit;
        var users = s.SocketUser is not null || s.SocketGroup is not null ? Linux.Users.UserDatabase.Load() : null;
        int? uid = s.SocketUser is { } u ? users!.FindUser(u)?.Uid ?? throw new ListenException($"SocketUser={u}: no such user") : null;
        int? gid = s.SocketGroup is { } g ? users!.FindGroup(g) ?? throw new ListenException($"SocketGroup={g}: no such group") : null;
        var options = new ListeningSocket.Options(s.Backlog, s.ReusePort, s.BindIpv6Only, s.FreeBind, s.PassCredentials, s.ReceiveBuffer, s.SendBuffer,
            s.SocketMode, s.DirectoryMode, uid, gid);
        run.Fds = [];
        foreach (var spec in s.Listen) run.Fds.Add(ListeningSocket.Open(spec, options));
        if (s.Listen.FirstOrDefault(l => l.Family is ListenFamily.Unix or ListenFamily.Fifo)?.Path is { } first)
            foreach (var link in s.Symlinks)
            {
                try
                {
                    if (Linux.FileFacts.OfPath(link) is { IsSymlink: true }) File.Delete(link);
                    File.CreateSymbolicLink(link, first);
                }
                catch (Exception e) when (Core.FileErrors.Is(e) || e is Linux.ErrnoException)
                {
                    throw new ListenException($"Symlinks={link}: {e.Message}");
                }
            }
    }

    /// <summary>Waits for the first connection or datagram on any of its sockets.</summary>
    private void Listen(SocketRun run)
    {
        Set(run, SocketStates.Listening);
        string name = run.Unit.Name;
        for (int i = 0; i < run.Fds.Count; i++)
        {
            int index = i;
            watcher.Watch(run.Fds[i], () => _loop.Post(() => OnReadable(name, index)));
        }
    }

    private void Unwatch(SocketRun run)
    {
        foreach (int fd in run.Fds) watcher.Unwatch(fd);
    }

    private void OnReadable(string name, int index)
    {
        if (!_runs.TryGetValue(name, out var run) || run.Sub != SocketStates.Listening || index >= run.Fds.Count) return;
        if (run.Unit.Accept)
        {
            Take(run, index);
            return;
        }
        Unwatch(run);
        var spec = run.Unit.Listen[index];
        string cause = $"{name}: " + spec switch
        {
            { Kind: ListenKind.Stream, Family: ListenFamily.Inet } => PendingConnection.On(spec.Port) is { } peer ? $"connection from {peer} to {spec.Listen}" : $"connection to {spec.Listen}",
            { Kind: ListenKind.Datagram } => $"datagram on {spec.Listen}",
            { Kind: ListenKind.Fifo } => $"data in {spec.Listen}",
            _ => $"connection on {spec.Listen}",
        };
        run.Triggers++;
        run.LastTrigger = cause;
        Set(run, SocketStates.Running);
        string service = run.Unit.Service;
        Jobs.TriggeredStart.Launch(StartUnit, service, cause, _loop, r => OnJobDone(name, service, r));
    }

    /// <summary>
    /// Accept=yes: the connection waiting on the socket gets an instance of its own
    /// (NAME@N-LOCAL-REMOTE.service), started with the connection as fd 3 (and as its standard input
    /// and output when it asks for StandardInput=socket) — unless MaxConnections= instances serve one
    /// already, or MaxConnectionsPerSource= from that peer: then the connection is closed at once, as
    /// systemd does. The socket goes on listening.
    /// </summary>
    private void Take(SocketRun run, int index)
    {
        var spec = run.Unit.Listen[index];
        var c = Connection.Accept(run.Fds[index], run.Accepted);
        string name = run.Unit.Name;
        int listener = run.Fds[index];
        watcher.Watch(listener, () => _loop.Post(() => OnReadable(name, index)));
        if (c is null) return;
        string? refusal = run.Serving.Count >= run.Unit.MaxConnections ? $"MaxConnections={run.Unit.MaxConnections}"
            : run.Unit.MaxConnectionsPerSource > 0 && run.Serving.Values.Count(s => s.Source == c.Source) >= run.Unit.MaxConnectionsPerSource
                ? $"MaxConnectionsPerSource={run.Unit.MaxConnectionsPerSource} ({c.Source})" : null;
        if (refusal is not null)
        {
            Linux.Descriptors.Close(c.Fd);
            if (run.Refused++ % 100 == 0)
                Console.Error.WriteLine($"corral: {name}: connection from {c.Peer} refused: {run.Serving.Count} connections are served, the most {refusal} allows ({run.Refused} refused so far)");
            Publish(run);
            return;
        }
        run.Accepted++;
        string instance = run.Unit.Service.Replace("@.service", $"@{c.Instance}.service");
        run.Serving[instance] = new Served(c.Fd, c.Source);
        string cause = $"{name}: connection from {c.Peer} to {spec.Listen}";
        run.Triggers++;
        run.LastTrigger = cause;
        Publish(run);
        Jobs.TriggeredStart.Launch(StartUnit, instance, cause, _loop, r => OnInstanceStarted(name, instance, r));
    }

    /// <summary>Accept=yes: the instance's start job is over: its processes hold the connection; the engine's copy goes.</summary>
    private void OnInstanceStarted(string name, string instance, JobResult r)
    {
        if (!_runs.TryGetValue(name, out var run) || !run.Serving.TryGetValue(instance, out var served)) return;
        int fd = served.Fd;
        served.Fd = -1;
        if (fd >= 0) CloseShared([fd]);
        served.Started = true;
        if (!r.Ok) Console.Error.WriteLine($"corral: {name}: {r.Error}");
        Release(run, instance);
    }

    /// <summary>An instance that is inactive again (or never started) no longer counts against the limits.</summary>
    private void Release(SocketRun run, string instance)
    {
        if (!run.Serving.TryGetValue(instance, out var served) || !served.Started) return;
        if (Activity?.Invoke(instance) is { Inactive: false }) return;
        run.Serving.Remove(instance);
        if (Forget is { } forget) _ = Task.Run(() => forget(instance)); // off the loop: it waits for the instance's own loop
        Publish(run);
    }

    /// <summary>The start job the socket made is over: a service that cannot start again fails the socket (else the pending connection would start it forever).</summary>
    private void OnJobDone(string name, string service, JobResult r)
    {
        if (!_runs.TryGetValue(name, out var run) || run.Sub != SocketStates.Running) return;
        string? why = r.Ok ? null : LoadError?.Invoke(service) is { } load ? $"{service} {load}"
            : r.Error?.Contains("start-limit-hit", StringComparison.Ordinal) == true ? r.Error : null;
        if (why is not null)
        {
            run.Result = LoadError?.Invoke(service) is null ? "service-start-limit-hit" : "resources";
            run.LastError = why;
            Close(run);
            Set(run, SocketStates.Failed);
            return;
        }
        if (Activity?.Invoke(service) is not { Inactive: false }) Listen(run);
    }

    // The services active sockets start and the instances serving a connection, as the loop last
    // published them: every unit's every change is told here, and only those are worth a trip to the loop.
    private volatile ImmutableHashSet<string> _watching = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>Any thread: a unit changed; the sockets that start it look again.</summary>
    public void OnUnitChanged(string unit)
    {
        if (_watching.Contains(unit)) _loop.Post(() => LookAt(unit));
    }

    private void LookAt(string unit)
    {
        foreach (var served in _runs.Values.Where(r => r.Unit.Accept && r.Serving.ContainsKey(unit)).ToList())
            Release(served, unit);
        foreach (var run in _runs.Values.Where(r => !r.Unit.Accept && r.Unit.Service == unit && r.Active).ToList())
        {
            bool inactive = Activity?.Invoke(unit) is not { Inactive: false };
            if (run.Sub == SocketStates.Running && inactive) Listen(run);
            else if (run.Sub == SocketStates.Listening && !inactive)
            {
                Unwatch(run); // started by hand, or by a dependency: it has the sockets
                Set(run, SocketStates.Running);
            }
        }
    }

    public Task<JobResult> StopAsync(string name) => _loop.Ask(() =>
    {
        if (_runs.TryGetValue(name, out var run) && run.Active)
        {
            Close(run);
            Set(run, SocketStates.Dead);
        }
        return JobResult.Done;
    });

    public Task ResetFailedAsync(string? name) => _loop.Ask(() =>
    {
        foreach (var run in _runs.Values.Where(r => r.Sub == SocketStates.Failed && (name is null || r.Unit.Name == name)).ToList())
            Set(run, SocketStates.Dead);
    });

    /// <summary>
    /// daemon-reexec: the sockets stop being watched (connections queue in the kernel meanwhile) and
    /// every active unit's descriptors are named for the next image ("socket/NAME/INDEX"), with
    /// what it needs to go on where this one stopped.
    /// </summary>
    public Task<(Dictionary<string, int> Fds, Dictionary<string, HandedSocket> Units)> PauseAsync() => _loop.Ask(() =>
    {
        var fds = new Dictionary<string, int>(StringComparer.Ordinal);
        var units = new Dictionary<string, HandedSocket>(StringComparer.Ordinal);
        foreach (var run in _runs.Values.Where(r => r.Active))
        {
            Unwatch(run);
            for (int i = 0; i < run.Fds.Count; i++) fds[HandoverName(run.Unit.Name, i)] = run.Fds[i];
            units[run.Unit.Name] = Handed(run);
        }
        return (fds, units);
    });

    private static HandedSocket Handed(SocketRun run) =>
        new(run.Fds.Count, run.Triggers, run.LastTrigger) { Listen = [.. run.Unit.Listen.Select(Address)] };

    /// <summary>How a socket's address is compared across daemons: a changed line is bound anew.</summary>
    private static string Address(ListenSpec spec) => $"{spec.Directive}={spec.Text}";

    /// <summary>The re-exec did not happen: every listening socket is watched again.</summary>
    public void Resume() => _loop.Post(() =>
    {
        foreach (var run in _runs.Values.Where(r => r.Sub == SocketStates.Listening)) Listen(run);
    });

    private static string HandoverName(string unit, int index) => $"socket/{unit}/{index}";

    /// <summary>
    /// The new image: the sockets the previous one had bound, taken as they are (nothing is bound
    /// again, no connection refused), for every unit that still has the same addresses; the rest
    /// are closed by the caller's handover as unclaimed.
    /// </summary>
    public Task TakeOverAsync(IReadOnlyDictionary<string, HandedSocket> units, Func<string, SocketUnit?> definition, Func<string, int?> claim) => _loop.Ask(() =>
    {
        foreach (var (name, handed) in units)
        {
            if (definition(name) is not { } socket || socket.Listen.Count != handed.Fds) continue;
            if (handed.Listen is { } was && !was.SequenceEqual(socket.Listen.Select(Address)))
            {
                Console.Error.WriteLine($"corral: {name}: its addresses changed since its sockets were bound; they are closed, and bound anew when it starts");
                continue;
            }
            var fds = new List<int>();
            for (int i = 0; i < handed.Fds; i++)
                if (claim(HandoverName(name, i)) is { } fd) fds.Add(fd);
            if (fds.Count != handed.Fds)
            {
                foreach (int fd in fds) Linux.Descriptors.Close(fd);
                Console.Error.WriteLine($"corral: {name}: not every socket was handed over; it is inactive until started again");
                continue;
            }
            var run = _runs[name] = new SocketRun(socket, clock.GetLocalNow()) { Fds = fds, Triggers = handed.Triggers, LastTrigger = handed.LastTrigger };
            if (Activity?.Invoke(socket.Service) is { Inactive: false }) Set(run, SocketStates.Running);
            else Listen(run);
        }
    });

    /// <summary>After the take-over at start-up: the holder gets what is active now (and a previous holder ends).</summary>
    public Task HoldNow() => _loop.Ask(() =>
    {
        _heldKey = null;
        Republish();
    });

    /// <summary>daemon-reload: a new definition applies at the socket's next start.</summary>
    public Task UpdateAsync(IEnumerable<SocketUnit> sockets) => _loop.Ask(() =>
    {
        foreach (var s in sockets)
            if (_runs.TryGetValue(s.Name, out var run) && !run.Active) run.Unit = s;
    });

    /// <summary>
    /// From the service's loop, as its main process is spawned: duplicates of the listening sockets
    /// of every active socket unit that starts it, in the units' order and each unit's lines' order,
    /// with their names. The caller closes them. Null when there are none.
    /// </summary>
    public PassedSockets? SocketsFor(string service)
    {
        // Not through the loop: a spawn must never wait for it (a runner's loop blocked on another
        // loop's turn in the thread pool starved under load). The gate is held only to duplicate or
        // to close, never across anything that waits.
        lock (_fdGate)
        {
            if (!_passable.TryGetValue(service, out var p)) return null;
            var dups = new List<int>(p.Fds.Count);
            var names = new List<string>(p.Fds.Count);
            for (int i = 0; i < p.Fds.Count; i++)
            {
                int dup = Linux.Descriptors.Duplicate(p.Fds[i]);
                if (dup < 0) continue;
                dups.Add(dup);
                names.Add(p.Names[i]);
            }
            if (dups.Count == 0) return null;
            return new PassedSockets(dups, names) { Connection = p.Connection is null ? null : dups[0] };
        }
    }

    // What each service (or Accept=yes instance) would be given now: the loop's own descriptors,
    // published under the gate; a descriptor leaves it before it is closed, under the same gate.
    private readonly object _fdGate = new();
    // The sockets the holder has now ("socket/NAME/INDEX:FD,…"): a change of it spawns a new holder.
    private string? _heldKey;
    private ImmutableDictionary<string, PassedSockets> _passable = ImmutableDictionary<string, PassedSockets>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>On the loop, after any change of descriptors or states: the map SocketsFor reads.</summary>
    private void Republish()
    {
        var map = new Dictionary<string, PassedSockets>(StringComparer.Ordinal);
        foreach (var run in _runs.Values.Where(r => r.Unit.Accept))
            foreach (var (instance, served) in run.Serving)
                if (served.Fd >= 0) map[instance] = new PassedSockets([served.Fd], ["connection"]) { Connection = served.Fd };
        foreach (var group in _runs.Values.Where(r => !r.Unit.Accept && r.Active).OrderBy(r => r.Unit.Name, StringComparer.Ordinal).GroupBy(r => r.Unit.Service))
        {
            var fds = group.SelectMany(r => r.Fds).ToList();
            if (fds.Count > 0) map[group.Key] = new PassedSockets(fds, [.. group.SelectMany(r => r.Fds.Select(_ => r.Unit.FileDescriptorName))]);
        }
        lock (_fdGate) _passable = map.ToImmutableDictionary(StringComparer.Ordinal);
        if (Holder is { } holder)
        {
            var active = _runs.Values.Where(r => r.Active).OrderBy(r => r.Unit.Name, StringComparer.Ordinal).ToList();
            var held = active.SelectMany(r => r.Fds.Select((fd, i) => (Name: HandoverName(r.Unit.Name, i), Fd: fd))).ToList();
            string key = string.Join(',', held.Select(h => $"{h.Name}:{h.Fd}"));
            if (key != _heldKey)
            {
                _heldKey = key;
                holder.Hold(held, active.ToDictionary(r => r.Unit.Name, Handed, StringComparer.Ordinal));
            }
        }
        _watching = _runs.Values.Where(r => r.Active).SelectMany(r => r.Unit.Accept ? (IEnumerable<string>)r.Serving.Keys : [r.Unit.Service])
            .ToImmutableHashSet(StringComparer.Ordinal);
    }

    /// <summary>Closes descriptors a spawn might be duplicating: out of the published map first, then closed, under the gate.</summary>
    private void CloseShared(IReadOnlyCollection<int> fds)
    {
        if (fds.Count == 0) return;
        Republish();
        lock (_fdGate)
            foreach (int fd in fds) Linux.Descriptors.Close(fd);
    }

    /// <summary>Closes what the unit bound; removes its files when RemoveOnStop= says so, and its Symlinks=.</summary>
    private void Close(SocketRun run)
    {
        var closing = new List<int>();
        foreach (var served in run.Serving.Values.Where(s => s.Fd >= 0))
        {
            closing.Add(served.Fd);
            served.Fd = -1;
        }
        Unwatch(run);
        closing.AddRange(run.Fds);
        run.Fds = [];
        CloseShared(closing);
        var s = run.Unit;
        if (s.RemoveOnStop)
            foreach (var spec in s.Listen.Where(l => l.Family is ListenFamily.Unix or ListenFamily.Fifo))
                TryRemove(spec.Path!, l => l.IsSocket || l.IsFifo);
        foreach (var link in s.Symlinks) TryRemove(link, l => l.IsSymlink);
    }

    private static void TryRemove(string path, Func<Linux.FileFacts, bool> ours)
    {
        try
        {
            if (Linux.FileFacts.OfPath(path) is { } f && ours(f)) File.Delete(path);
        }
        catch (Exception e) when (Core.FileErrors.Is(e) || e is Linux.ErrnoException)
        {
            Console.Error.WriteLine($"corral: cannot remove {path}: {e.Message}");
        }
    }

    private void Set(SocketRun run, string sub)
    {
        if (run.Sub != sub)
        {
            run.Sub = sub;
            run.Since = clock.GetLocalNow();
        }
        Publish(run);
    }

    private void Publish(SocketRun run)
    {
        Republish();
        _views = _views.SetItem(run.Unit.Name, run.View());
        Changed?.Invoke(run.Unit.Name);
    }

    public void Dispose()
    {
        _loop.Ask(() =>
        {
            foreach (var run in _runs.Values) Close(run);
        }).Wait(TimeSpan.FromSeconds(5));
        watcher.Dispose();
    }
}
