using System.Runtime.InteropServices;
using Corral.Daemon.Api;
using Corral.Daemon.Deaths;
using Corral.Linux.Kmsg;
using Corral.Linux.ProcConnector;
using Corral.Linux.Tracing;
using Corral.Daemon.Services;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;

namespace Corral.Daemon;

/// <summary>Runs the daemon until SIGTERM or SIGINT, then stops every service and exits.</summary>
public static class DaemonHost
{
    /// <summary>The notification socket (NOTIFY_SOCKET), beside the control socket and covered by its lock.</summary>
    public static string NotifySocketOf(DaemonOptions options) => Path.GetFullPath(options.SocketPath) + ".notify";

    /// <summary>The first directory above <paramref name="path"/> that others may not search, or null.</summary>
    private static string? ClosedAncestor(string path)
    {
        for (var dir = Path.GetDirectoryName(path); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            if ((File.GetUnixFileMode(dir) & UnixFileMode.OtherExecute) == 0) return dir;
        return null;
    }

    /// <param name="init">corral init: the daemon is a container's init, its command the unit main.service (Init/ContainerInit)</param>
    public static int Run(DaemonOptions options, Init.InitOptions? init = null)
    {
        // First: the reaper resets SIGCHLD and makes us a subreaper before any child exists.
        // Until every run is taken over, exits nobody claimed wait: after a daemon-reexec the
        // services are still this process's children, and a main process may have ended meanwhile.
        using var reaper = ChildReaper.StartClaimed(out var adoptionClaim);
        // Started by daemon-reexec: the previous image's sockets and event streams, still open.
        var handover = Handover.Take();
        // Started by systemd (Type=notify): the address is taken before anything could inherit it.
        var serviceManager = Linux.Notify.ServiceManagerNotifier.FromEnvironment();
        // Nothing is touched before this daemon is known to be the only one on its socket and state directory.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.SocketPath))!);
        Directory.CreateDirectory(options.StateDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        using var locks = InstanceLocks.TakeFiles(options.SocketPath, options.StateDir, reexecuted: handover is not null);
        if (init is not null)
        {
            // The container's command, as a unit of a directory of its own that comes first.
            string initUnits = Path.Combine(options.StateDir, "init-units");
            Directory.CreateDirectory(initUnits);
            var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
            File.WriteAllText(Path.Combine(initUnits, Init.MainUnit.Name), Init.MainUnit.Text(init, environment, Environment.CurrentDirectory));
            options = options with { UnitDirs = [initUnits, .. options.UnitDirs] };
        }
        LogDirectory.Prepare(options.LogDir);
        var handed = handover is null ? null : Reexec.HandoverState.Take(options.StateDir);
        if (handover is not null) Console.Error.WriteLine($"corral: re-executed: taking over {handover}");
        // Bound before anything starts: a port already taken is an error with nothing left running.
        using var http = options.Http is null ? null : new Web.HttpEndpoint(options.Http, options.HttpHosts);
        if (http is not null && !(handover?.Claim("http") is { } httpFd && http.Continue(httpFd))) http.Listen();
        var layout = CgroupLayout.Detect();
        // --cgroup-root self: the cgroup a service manager delegated to the daemon (systemd's
        // Delegate=yes); the daemon moves into a leaf of it and the services go beside (EnsureRoot).
        bool delegated = options.CgroupRoot == DaemonOptions.SelfCgroup;
        // A container's init (PID 1) may take its cgroup namespace's root: the container's own cgroup.
        var cgroups = CgroupManagerFactory.Create(delegated ? CgroupManagerFactory.OwnCgroup(layout, rootAllowed: init is not null && Environment.ProcessId == 1) : options.CgroupRoot,
            layout, options.CgroupUnifiedOnly);
        Directory.CreateDirectory(cgroups.Root);
        locks.TakeCgroupRoot(cgroups.Root);
        if (delegated) CgroupV2Manager.EnterDaemonLeaf(cgroups.Root);
        cgroups.EnsureRoot();
        Console.Error.WriteLine($"corral: cgroups: {cgroups.Describe()}");

        using var watcher = new CgroupEventsWatcher();
        using var output = new OutputCollector();
        using var store = EventStore.OpenOrRecover(Path.Combine(options.StateDir, "corral.db"), options.EventRetention);
        _ = store.CheckInBackground();
        var ids = new IdentityMap();
        // Signal senders come from a tracefs instance of our own; without it, records say why.
        ProcessTracker? tracker = null;
        string? noTracing = options.Tracing ? null : "tracing disabled (--no-tracing)";
        int? traceFd = handover?.Claim("trace");
        // In a container's pid namespace the kernel's events name processes by pids it does not see.
        string? nested = Linux.Procfs.PidNamespace.NestedReason();
        if (nested is not null && options.Tracing) noTracing = nested;
        using var tracer = !options.Tracing || nested is not null ? null
            : traceFd is { } tfd && handed?.TraceInstance is { } instance
                ? SignalTracer.Continue(Path.Combine(options.StateDir, "tracefs"), handed.TraceMounted, instance, tfd, s => tracker?.OnSignal(s), (pid, file) => tracker?.OnExec(pid, file))
                : SignalTracer.TryStart(Path.Combine(options.StateDir, "tracefs"), s => tracker?.OnSignal(s), out noTracing, (pid, file) => tracker?.OnExec(pid, file));
        if (noTracing is not null && init is not null && options.Tracing) noTracing = $"in this container ({noTracing})";
        if (noTracing is not null) Console.Error.WriteLine($"corral: signal senders will not be known: {noTracing}");
        string? noKmsg = null;
        // The kernel's OOM reports name the machine's pids too: in a container they would be matched to the wrong process.
        if (nested is not null) noKmsg = nested;
        using var oomWatcher = handover?.Claim("kmsg") is { } kmsgFd ? OomKillWatcher.Continue(kmsgFd) : nested is not null ? null : OomKillWatcher.TryStart(out noKmsg);
        if (noKmsg is not null) Console.Error.WriteLine($"corral: OOM kills will be told by counters only, without the kernel's figures: {noKmsg}");
        // The connector's thread owns the lineage: its events and everyone's changes run there.
        // An inherited connector starts paused: its unread events wait until the runs are taken over.
        string? noConnector = nested;
        Action<Linux.ProcConnector.ProcEvent> onProcEvent = e => { ids.OnProcEvent(e); tracker?.OnProcEvent(e); };
        // A container's init goes on without the connector (it needs CAP_NET_ADMIN): processes are then known by their spawns alone.
        using var connector = nested is not null ? ProcConnectorListener.Without(onProcEvent)
            : init is not null && handover is null ? ProcConnectorListener.TryStart(onProcEvent, options.ProcEventsBuffer, out noConnector)
            : new ProcConnectorListener(onProcEvent, options.ProcEventsBuffer, handover?.Claim("connector"));
        if (noConnector is not null)
            Console.Error.WriteLine($"corral: process events unavailable{(init is not null || nested is not null ? " in this container" : "")} ({noConnector}): forks, escapes and zombies of services are not seen; deaths of main and control processes are still recorded");
        using var trackerScope = tracker = new ProcessTracker(connector, store, ids, noTracing, cgroups, oomWatcher) { DrainTrace = tracer is null ? null : tracer.Drain };
        if (handed is not null) tracker.ImportLineage([.. handed.Processes.Select(p => p.ToTracked())]);
        tracer?.Resume(); // a continued trace starts paused: its lines wait for the tracker
        var spawner = new Spawner(options.ExecutorPath, reaper);
        var ctx = new ServiceContext(cgroups, new KernelProcesses(spawner, reaper), watcher, output, tracker, store,
            options.LogDir, new RunStore(Path.Combine(options.StateDir, "runs")))
            { NotifySocketPath = NotifySocketOf(options), SandboxRoot = Path.Combine(options.StateDir, "sandbox"), DynamicUsers = new Linux.Users.DynamicUsers(Path.Combine(options.StateDir, "dynamic-uid")), Echo = init is null ? null : new Init.ConsoleEcho(Init.MainUnit.Name) };
        using var manager = new Manager(options, ctx);
        var jobs = new Jobs.JobEngine(manager);
        ctx.Changes.Changed += jobs.OnUnitChanged;
        ctx.Changes.Changed += manager.Timers.OnUnitChanged;
        ctx.Changes.Changed += manager.Sockets.OnUnitChanged;
        ctx.SocketsFor = manager.Sockets.SocketsFor;
        // Bound before any run is taken over or started: a service's first READY=1 has somewhere to go.
        var router = new NotifyRouter(cgroups, unit => manager.TryGetRunner(unit, out var r) ? r : null, ctx.Notifications);
        using var notify = new Linux.Notify.NotifySocket(ctx.NotifySocketPath!, router.OnDatagram, handover?.Claim("notify"));
        if (ClosedAncestor(ctx.NotifySocketPath!) is { } closed)
            Console.Error.WriteLine($"corral: warning: {closed} is closed to other users (no o+x): a service that runs as User= cannot reach NOTIFY_SOCKET={ctx.NotifySocketPath} " +
                "and a Type=notify one of them never becomes ready; put the socket (--socket) in a directory others may search, as /run/corral is");
        manager.Reload();
        manager.AdoptLeftRuns(handed?.PartialLines);
        if (handed is not null && handover is not null) manager.RestoreFdStores(handed.FdStores, handover.Claim);
        manager.Timers.TakeOverAsync(manager.Timer, handed?.HandedAt).Wait();
        // The sockets a previous image had bound, taken as they are: no connection was refused meanwhile.
        // After a daemon-reexec they came with the exec; after a daemon killed, from the holder it left.
        // A container's init has no holder: the container ends with it.
        if (init is null)
        {
            var holder = manager.Sockets.Holder = new Sockets.SocketHolder(spawner, cgroups, options.StateDir);
            var held = holder.Recover(take: handed is null);
            if (handed is not null && handover is not null) manager.Sockets.TakeOverAsync(handed.Sockets, manager.Socket, handover.Claim).Wait();
            else if (held is not null) manager.Sockets.TakeOverAsync(held.Units, manager.Socket, held.Fds.Claim).Wait();
            held?.Fds.CloseUnclaimed();
            manager.Sockets.HoldNow().Wait();
        }
        adoptionClaim.Dispose();
        connector.Resume(); // the events left unread by a previous image, now that their processes are known
        ctx.Runs.Beat();

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        // Under corral init SIGINT is the container's, handed on to its command (ContainerInit).
        using var onInt = init is not null ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });

        var history = http is null ? null : new Monitoring.UsageHistory();
        using var monitor = new Monitoring.HealthMonitor(manager, tracker, store, connector, options.PidPressureShare, options.MonitorInterval)
            { Heartbeat = ctx.Runs.Beat, Sampler = history is null ? null : history.MaybeSample };
        var routes = new ApiRoutes(manager, jobs, store, monitor, options.LogDir) { History = history, Oom = new Monitoring.OomCandidates(cgroups) };
        using var server = new ControlServer(options.SocketPath, routes, SocketAccess(options));
        if (handover?.Claim("control") is { } controlFd) server.Start(controlFd);
        else server.Start();
        handover?.CloseUnclaimed();
        var reexec = new Reexec.DaemonReexec(options.StateDir, reaper, server, http, notify, output, connector, tracer, oomWatcher, tracker, manager, jobs);
        routes.Reexec = init is null ? reexec.PrepareAsync
            : () => Task.FromResult((false, "corral init does not re-execute: a container runs a new version by being replaced"));
        using var feed = http is null ? null : new Web.LiveFeed(routes, store, ctx.Changes);
        http?.Start(routes, options.HttpToken, new Web.MetricsWriter(manager, store, monitor) { Endpoint = http, Notify = ctx.Notifications }, feed!);
        Console.Error.WriteLine($"corral: daemon ready on {options.SocketPath}, cgroup root {cgroups.Root}");
        if (http is not null)
            Console.Error.WriteLine($"corral: HTTP on http://{Web.HttpEndpoint.Format(http.Bound)}/ (actions {(options.HttpToken.Configured ? "with the token of --http-token-file" : "off: no --http-token-file")})");

        serviceManager.Ready($"supervising {manager.Runners().Count} units; control socket {options.SocketPath}");
        if (init is not null)
        {
            int code = new Init.ContainerInit(init, manager, jobs, ctx).Run(stop.Task, options.StartDefaultTarget);
            http?.Dispose();
            server.Dispose();
            manager.Dispose();
            if (!delegated) cgroups.TryRemoveRoot();
            return code;
        }
        if (options.StartDefaultTarget) Boot(jobs);

        // Until SIGTERM: a daemon-reexec returns here only if its exec failed.
        while (Task.WaitAny(stop.Task, reexec.Requested) == 1) reexec.Exec();
        serviceManager.Stopping("stopping every service");
        http?.Dispose(); // the page and the metrics go first: nothing to show while everything stops
        return Shutdown(manager, jobs, server, cgroups, removeRoot: !delegated);
    }

    /// <summary>
    /// As a boot: default.target starts, and with it every enabled unit, in dependency order. The
    /// socket already answers meanwhile (list-jobs shows the boot's progress); what fails is said here.
    /// </summary>
    private static void Boot(Jobs.JobEngine jobs) => _ = Task.Run(async () =>
    {
        var r = await jobs.StartAsync(UnitCatalog.Default);
        Console.Error.WriteLine(r.Ok ? "corral: default.target reached" : $"corral: default.target: {r.Error}");
    });

    /// <param name="removeRoot">false for a delegated cgroup: it is the service manager's to remove</param>
    private static int Shutdown(Manager manager, Jobs.JobEngine jobs, ControlServer server, ICgroupManager cgroups, bool removeRoot)
    {
        Console.Error.WriteLine("corral: stopping all services");
        // In reverse dependency order first; then whatever is left (a restart that began meanwhile), all at once.
        jobs.StopEverythingAsync().Wait();
        manager.StopAllAsync().Wait();
        server.Dispose();
        manager.Dispose();
        if (removeRoot) cgroups.TryRemoveRoot();
        return 0;
    }

    private static Access SocketAccess(DaemonOptions options)
    {
        if (options.SocketGroup is null) return new Access(0, "root");
        int gid = Linux.Users.UserDatabase.Load().FindGroup(options.SocketGroup)
            ?? throw new ArgumentException($"--socket-group '{options.SocketGroup}' is neither a group of /etc/group nor a number");
        return new Access(gid, options.SocketGroup);
    }
}
