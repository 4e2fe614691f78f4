using Corral.Core.State;
using Corral.Linux;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Services;

/// <summary>
/// Surviving the daemon's own death. A run is written down at each change (RunRecord); the
/// service's own processes hold its output pipes open for reading too (OutputCollector.Open), so
/// that a service writing while no daemon reads blocks (once the pipe is full) instead of dying of
/// SIGPIPE; the next daemon takes the run over from what it finds.
/// </summary>
internal sealed partial class ServiceRunner
{
    private RunRecord? _persisted;

    /// <summary>The process, running or a zombie, is this daemon's child (a daemon-reexec kept it so).</summary>
    private static bool IsOwnChild(int pid, ulong startTicks) =>
        ProcReader.TryReadStat(pid, out var st) && st!.StartTimeTicks == startTicks && st.Ppid == Environment.ProcessId;

    /// <summary>
    /// Parks the unit's loop (daemon-reexec): once the task completes, everything posted before has
    /// been handled and nothing posted after runs until <see cref="Unpark"/>. True when the unit is
    /// then settled — no control process, no start or stop under way — so that a run record says all
    /// the next program image needs to take it over.
    /// </summary>
    public Task<bool> ParkAsync() => _loop.Park(() => _control is null && _fsm.State is ServiceState.Dead or ServiceState.Failed
        or ServiceState.Running or ServiceState.Exited or ServiceState.AutoRestart);

    public void Unpark() => _loop.Unpark();

    /// <summary>The starts of lines not ended yet in the unit's log (with its loop parked), for the next program image.</summary>
    public PartialLines? TakePartialLines() => _view.Log?.TakePartialLines();

    /// <summary>Gives back what <see cref="TakePartialLines"/> took (the exec did not happen).</summary>
    public void RestorePartialLines(PartialLines lines) => _view.Log?.RestorePartialLines(lines);

    /// <summary>Writes (or removes) the run record when what it says has changed. Called on the loop after each event.</summary>
    private void PersistRun()
    {
        var s = _fsm.State;
        RunRecord? now = null;
        if (!ServiceStateNames.IsInactive(s))
        {
            ulong start = 0;
            string? comm = null;
            if (_main is not null && ProcReader.TryReadStat(_main.Pid, out var st)) (start, comm) = (st!.StartTimeTicks, st.Comm);
            now = new RunRecord
            {
                Unit = Unit.Name,
                State = s == ServiceState.AutoRestart ? "auto-restart" : s == ServiceState.Exited ? "exited" : ServiceStateNames.IsStopping(s) ? "stopping" : "running",
                MainPid = _main?.Pid ?? 0, MainStart = start, MainComm = comm,
                StdoutPipe = _pipes?.StdoutId, StderrPipe = _pipes?.StderrId,
                NRestarts = _fsm.NRestarts, Result = ServiceResultNames.Format(_fsm.Result),
                JobVerb = ServiceStateNames.IsStopping(s) ? _jobVerb : null, JobUid = ServiceStateNames.IsStopping(s) ? _jobUid : null,
                StartedBy = _startedBy,
            };
        }
        if (now == _persisted) return;
        try
        {
            if (now is null) _ctx.Runs.Delete(Unit.Name);
            else _ctx.Runs.Write(now);
            _persisted = now;
            RunRecordError = null;
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            if (RunRecordError is null) Console.Error.WriteLine($"corral: cannot write the run record of {Unit.Name}: {e.Message}");
            RunRecordError = e.Message; // tried again at the next event
        }
    }

    /// <summary>Why the run record could not be written the last time it was tried; null when it is up to date.</summary>
    private string? RunRecordError { get; set; }

    /// <summary>
    /// Takes over a run a previous daemon left (W6): its cgroup, its pipes from the holder, its main
    /// process by pid and start time. Nothing is started: a run waiting to restart goes on waiting, a
    /// run being stopped is stopped again, and a main process that ended meanwhile is recorded as such
    /// and handled as an exit (Restart= applies).
    /// </summary>
    /// <param name="partialLines">the starts of lines the previous program image of this daemon had read (daemon-reexec)</param>
    public void Adopt(RunRecord r, DateTimeOffset? lastBeat, PartialLines? partialLines = null) => Adopt(r, lastBeat, guessed: false, partialLines);

    /// <summary>
    /// A run of this unit whose record the previous daemon could not write (its disk was full): it
    /// is still the unit's, so it is taken over, never killed for want of a record. The main process
    /// is guessed as systemd's GuessMainPID= would — the one process of the cgroup whose parent is
    /// outside it — and its output pipes are that process's stdout and stderr, if they are pipes such
    /// as only Corral makes (open for reading and writing).
    /// Without a guess the run goes on with no main process until its cgroup empties.
    /// </summary>
    public string AdoptUnrecorded(DateTimeOffset? lastBeat) => _loop.Ask(() => AdoptUnrecordedOnLoop(lastBeat)).GetAwaiter().GetResult();

    private string AdoptUnrecordedOnLoop(DateTimeOffset? lastBeat)
    {
        var cg = _ctx.Cgroups.For(Unit.Name);
        var pids = _ctx.Cgroups.ReadPids(cg);
        var inside = pids.ToHashSet();
        var roots = pids.Where(p => ProcReader.TryReadStat(p, out var st) && !inside.Contains(st!.Ppid)).ToList();
        int main = roots.Count == 1 ? roots[0] : 0;
        var r = new RunRecord { Unit = Unit.Name, State = "running" };
        if (main > 0 && ProcReader.TryReadStat(main, out var ms))
        {
            r = r with
            {
                MainPid = main, MainStart = ms!.StartTimeTicks, MainComm = ms.Comm,
                StdoutPipe = Linux.OutputCollector.OutputPipeOf(main, 1), StderrPipe = Linux.OutputCollector.OutputPipeOf(main, 2),
            };
        }
        Adopt(r, lastBeat, guessed: true);
        return main > 0 ? $"main process guessed: {main} ({r.MainComm})" : $"no main process could be guessed among {pids.Count}; it runs until its cgroup empties";
    }

    /// <summary>On the loop, waited for: the daemon takes runs over one by one before it answers anyone.</summary>
    private void Adopt(RunRecord r, DateTimeOffset? lastBeat, bool guessed, PartialLines? partialLines = null) => _loop.Ask(() =>
    {
        var cg = _ctx.Cgroups.For(Unit.Name);
        if (Directory.Exists(cg.Path))
        {
            _cgroup = cg;
            _watch = _ctx.Watcher.Watch(cg, OnCgroupChanged);
            _oomKillsAtStart = _ctx.Cgroups.OomKills(cg);
        }
        _log = ServiceLog.Open(_ctx.LogDir, Unit.Name, n => _ctx.Store.Add(n), _ctx.Echo);
        _log.Configure(Unit.LogMaxBytes, Unit.LogBackups);
        if (partialLines is not null) _log.RestorePartialLines(partialLines);
        if (r.StdoutPipe is not null && r.StderrPipe is not null && _cgroup is not null)
        {
            // The main process first: it is the likeliest to hold both (a pid reused since cannot
            // mislead: a pipe is taken only if it is the one named).
            var pids = _ctx.Cgroups.ReadPids(_cgroup).Where(p => p != r.MainPid).Prepend(r.MainPid).Where(p => p > 0);
            _pipes = _ctx.Output.Adopt(_log, pids, r.StdoutPipe, r.StderrPipe);
        }
        if (_pipes is null) OpenLogAndPipes();
        (_jobVerb, _jobUid) = (r.JobVerb ?? "stop", r.JobUid);
        _startedBy = r.StartedBy;

        // After a daemon-reexec the main process is still this process's child: running, a zombie, or
        // (ended while the new image started) reaped already, its status parked by the reaper.
        bool ownChild = r.MainPid > 0 && (IsOwnChild(r.MainPid, r.MainStart) || _ctx.Processes.EndedUnclaimed(r.MainPid));
        bool mainAlive = ownChild || (r.MainPid > 0 && IsSame(r.MainPid, r.MainStart));
        if (ownChild)
        {
            // daemon-reexec: the same process, so the main process is still its child, perhaps a
            // zombie that ended while the new image started; its status comes from the reaper.
            var h = _ctx.Processes.ClaimChild(r.MainPid, p => _ctx.Tracker.TrackRunning(p, Unit.Name, Core.Deaths.ProcessRoles.Main), OnProcessExit, ended: true);
            if (h is not null)
            {
                _main = h;
                _lastMainPid = h.Pid;
                _lastMainExit = null;
                ArmWatchdog();
            }
            else mainAlive = false;
        }
        else if (mainAlive && _ctx.Processes.Open(r.MainPid) is { } main)
        {
            _main = main;
            _lastMainPid = main.Pid;
            _lastMainExit = null;
            _ctx.Tracker.TrackRunning(main.Pid, Unit.Name, Core.Deaths.ProcessRoles.Main);
            _ctx.Tracker.WatchExit(main.Pid, status => OnProcessExit(main, status));
            ArmWatchdog(); // a new daemon gives the service a full interval for its next ping
            // It may have ended between the check and the watch: then its exit event was missed.
            if (!IsSame(r.MainPid, r.MainStart) && _ctx.Tracker.UnwatchExit(main.Pid))
            {
                _main = null;
                main.Dispose();
                mainAlive = false;
            }
        }
        else mainAlive = false;
        // Its other processes are found by the one rescan that follows every takeover (Manager.AdoptLeftRuns).

        ServiceResultNames.TryParse(r.Result, out var result); // an unknown name (another version's) reads as success
        if (r.State == "auto-restart")
        {
            Post(ServiceEvent.Adopted(ServiceState.AutoRestart, r.NRestarts, result));
            return;
        }
        if (r.State == "exited")
        {
            // RemainAfterExit=yes: active with no main process; what its cgroup holds runs on.
            Post(ServiceEvent.Adopted(ServiceState.Exited, r.NRestarts, result));
            return;
        }
        Post(ServiceEvent.Adopted(ServiceState.Running, r.NRestarts, result));
        if (!mainAlive && r.MainPid > 0)
        {
            _ctx.Tracker.RecordGone(Unit.Name, r.MainPid, Core.Deaths.ProcessRoles.Main, r.MainComm, lastBeat);
            _lastMainPid = r.MainPid;
            _lastMainExit = ExitStatus.Unknown;
            Post(ServiceEvent.MainExit(ExitStatus.Unknown));
        }
        else if (!mainAlive && !guessed)
            Post(ServiceEvent.Empty); // no main process (a oneshot between commands, a forking one without PID): stop what is left
        if (r.State == "stopping")
        {
            // A daemon that died in the middle of a signal pass left the cgroup frozen: a stop thaws first.
            ThawIfFrozen();
            Post(ServiceEvent.StopRequest());
        }
    }).GetAwaiter().GetResult();

    private static bool IsSame(int pid, ulong startTicks) =>
        ProcReader.TryReadStat(pid, out var st) && st!.StartTimeTicks == startTicks && st.State != 'Z';
}
