using Corral.Daemon.Api;
using Corral.Daemon.Deaths;
using Corral.Daemon.Services;
using Corral.Linux;
using Corral.Linux.Kmsg;
using Corral.Linux.Notify;
using Corral.Linux.ProcConnector;
using Corral.Linux.Tracing;

namespace Corral.Daemon.Reexec;

/// <summary>
/// daemon-reexec: the daemon replaces its program by the one on disk in the same process, so every
/// service stays its child and nothing stops. Before the exec, each source of work is stopped where
/// the kernel keeps what follows: the control and HTTP sockets stop accepting (clients wait in the
/// backlog), the reaper stops reaping (children that end stay zombies with their status), the
/// notification socket, the output pipes, the process connector, the trace pipe and /dev/kmsg stop
/// being read (their data waits in the kernel), and every unit's loop parks once it is settled (no
/// start or stop under way). The deaths already read are written; the processes followed and the
/// starts of lines not yet ended go to a file (<see cref="HandoverState"/>); the listening sockets and
/// event streams stay open across the exec (<see cref="Handover"/>). The new image takes all of it
/// over as after a crash (run records, pipes), plus the rest, and reads on where the old one stopped.
/// The request is answered once all that is done, and the exec follows once the answer is written.
/// </summary>
internal sealed class DaemonReexec(string stateDir, ChildReaper reaper, ControlServer server, Web.HttpEndpoint? http, NotifySocket notify,
    OutputCollector output, ProcConnectorListener connector, SignalTracer? tracer, OomKillWatcher? oom, ProcessTracker tracker,
    Manager manager, Jobs.JobEngine jobs)
{
    /// <summary>How long units may take to settle (a start or stop under way) before the reexec is refused.</summary>
    public TimeSpan SettleLimit { get; init; } = TimeSpan.FromSeconds(10);

    private int _underWay;
    private TaskCompletionSource _requested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _program = "";
    private List<string> _argv = [];
    private Dictionary<string, int> _fds = [];
    private List<ServiceRunner> _parked = [];
    private Dictionary<string, PartialLines> _partial = [];
    // The socket units stopped watching for this hand-over (watched again if it does not happen).
    private bool _socketsPaused;

    /// <summary>Completes when a request has been prepared: the main thread then calls <see cref="Exec"/>.</summary>
    public Task Requested => _requested.Task;

    /// <summary>The API's request: everything stopped and handed over, or why not (and everything as before).</summary>
    public async Task<(bool Ok, string Message)> PrepareAsync()
    {
        if (Interlocked.Exchange(ref _underWay, 1) == 1) return (false, "a daemon-reexec is already under way");
        try
        {
            _program = Handover.RunningProgram();
            _argv = Handover.RunningArguments();
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            Volatile.Write(ref _underWay, 0);
            return (false, $"cannot tell which program runs the daemon: {e.Message}");
        }
        if (!File.Exists(_program) || (File.GetUnixFileMode(_program) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            Volatile.Write(ref _underWay, 0);
            return (false, $"cannot re-execute {_program}: it is not there, or not executable; the daemon goes on as it is");
        }

        server.Connections.StopAccepting();
        http?.Connections.StopAccepting();
        // Requests already accepted are answered by this image (a start waits for its job, so they
        // end as the units settle); this request's own connection stays open.
        var until = DateTime.UtcNow + SettleLimit;
        while (true)
        {
            var busy = new List<string>();
            int answering = server.Connections.Open - 1;
            if (answering > 0) busy.Add($"{answering} request{(answering == 1 ? "" : "s")} being answered");
            else
            {
                reaper.Hold();
                await manager.Timers.PauseAsync(); // no timer starts a unit while they are parked; the next image takes them over
                notify.Pause();
                output.Pause();
                _parked = manager.Runners();
                var settled = await Task.WhenAll(_parked.Select(r => r.ParkAsync()));
                busy.AddRange(_parked.Where((_, i) => !settled[i]).Select(r => $"{r.Unit.Name} ({Core.State.ServiceStateNames.SubState(r.State)})"));
                busy.AddRange(jobs.Jobs.Select(j => $"job {j.Id} ({j.Type} {j.Unit})"));
                if (busy.Count == 0) break;
                ResumeUnits();
            }
            if (DateTime.UtcNow >= until)
            {
                ResumeAccepting();
                return (false, $"not re-executed: still under way after {SettleLimit.TotalSeconds:0}s: {string.Join(", ", busy.Take(10))}; try again once they are done");
            }
            await Task.Delay(50);
        }

        // Events read so far become records; those not read wait in the kernel for the next image.
        connector.Pause();
        if (!tracker.WaitRecorded(TimeSpan.FromSeconds(2)))
            Console.Error.WriteLine("corral: daemon-reexec: the death recorder did not finish within 2s; deaths it holds may be lost");
        tracer?.Pause();
        oom?.Pause();
        _partial = [];
        foreach (var r in _parked)
            if (r.TakePartialLines() is { IsEmpty: false } lines) _partial[r.Unit.Name] = lines;
        var (socketFds, socketUnits) = await manager.Sockets.PauseAsync();
        _socketsPaused = true;
        // The fd stores stay the runners' (nothing is taken from them: a failed exec changes nothing).
        var storeFds = new Dictionary<string, int>(StringComparer.Ordinal);
        var stores = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var r in _parked)
        {
            var stored = r.StoreForHandover();
            if (stored.Count == 0) continue;
            stores[r.Unit.Name] = [.. stored.Select(s => s.Name)];
            for (int i = 0; i < stored.Count; i++) storeFds[HandoverState.FdStoreName(r.Unit.Name, i)] = stored[i].Fd;
        }
        var state = new HandoverState
        {
            Sockets = socketUnits,
            FdStores = stores,
            Processes = [.. tracker.ExportLineage().Select(kv => HandedProcess.From(kv.Key, kv.Value))],
            PartialLines = _partial,
            TraceInstance = tracer?.Instance,
            TraceMounted = tracer?.MountedByUs ?? false,
            HandedAt = DateTimeOffset.UtcNow,
        };
        try
        {
            state.Write(stateDir);
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            Rollback();
            return (false, $"not re-executed: cannot write {HandoverState.PathIn(stateDir)}: {e.Message}; the daemon goes on as it is");
        }
        _fds = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["control"] = server.ListenerFd,
            ["notify"] = notify.Fd,
            ["connector"] = connector.Fd,
        };
        if (tracer is not null) _fds["trace"] = tracer.PipeFd;
        if (oom is not null) _fds["kmsg"] = oom.Fd;
        if (http is not null) _fds["http"] = http.ListenerFd;
        foreach (var (name, fd) in socketFds.Concat(storeFds)) _fds[name] = fd;
        _requested.TrySetResult();
        return (true, $"re-executing {_program}");
    }

    /// <summary>
    /// On the main thread, once <see cref="Requested"/> completed: waits for the answer to be written,
    /// then execs. Returns only when the exec failed, with everything running again as before.
    /// </summary>
    public void Exec()
    {
        if (!server.Connections.WaitOpenAtMostAsync(0, TimeSpan.FromSeconds(2)).GetAwaiter().GetResult())
            Console.Error.WriteLine("corral: daemon-reexec: the answer to the request was not taken within 2s; executing anyway");
        Console.Error.WriteLine($"corral: re-executing {_program} (pid {Environment.ProcessId}; handing over {string.Join(", ", _fds.Keys)}, " +
            $"{_parked.Count} units, {_partial.Count} unfinished lines)");
        var failure = Handover.Exec(_program, _argv, _fds);
        Console.Error.WriteLine($"corral: daemon-reexec failed: {failure.Message}; the daemon goes on as it was");
        Rollback();
    }

    private void Rollback()
    {
        HandoverState.Remove(stateDir);
        if (_socketsPaused) manager.Sockets.Resume();
        _socketsPaused = false;
        tracer?.Resume();
        oom?.Resume();
        connector.Resume();
        foreach (var r in _parked)
            if (_partial.TryGetValue(r.Unit.Name, out var lines)) r.RestorePartialLines(lines);
        _partial = [];
        ResumeUnits();
        _requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ResumeAccepting();
    }

    private void ResumeUnits()
    {
        foreach (var r in _parked) r.Unpark();
        _parked = [];
        manager.Timers.Resume();
        output.Resume();
        notify.Resume();
        reaper.Release();
    }

    private void ResumeAccepting()
    {
        server.Connections.ResumeAccepting();
        http?.Connections.ResumeAccepting();
        Volatile.Write(ref _underWay, 0);
    }
}
