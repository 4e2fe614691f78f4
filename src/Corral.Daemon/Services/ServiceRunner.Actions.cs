using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Procfs;
using Corral.Linux.Spawn;

namespace Corral.Daemon.Services;

internal sealed partial class ServiceRunner
{
    private void Execute(ServiceAction action)
    {
        switch (action)
        {
            case ServiceAction.ArmTimer t:
                ArmTimer(t.After);
                break;
            case ServiceAction.StartMain s:
                SpawnMain(Unit.ExecStart[s.Index]);
                break;
            case ServiceAction.RunControl c:
                SpawnControl(Unit.Commands(c.Phase)[c.Index]);
                break;
            case ServiceAction.ReadPidFile:
                AdoptForkedMain();
                break;
            case ServiceAction.Kill k:
                SendKill(k.Plan, k.Reason);
                break;
            case ServiceAction.Finish f:
                FinishRun(f.Result);
                break;
            case ServiceAction.PrepareRun:
                PrepareAutomaticRun();
                break;
        }
    }

    /// <summary>Creates the cgroup, output pipes and watch for a new run; reuses what a previous run left.</summary>
    private void PrepareRun()
    {
        var u = Unit;
        // First: a directory that cannot be made fails the start before anything of the run exists.
        ServiceDirectories.Make(u, u.DynamicUser ? DynamicUser() : null);
        PrepareSandbox(u.Sandbox);
        // Create() reuses a cgroup a previous run left (left-over processes) and re-applies the limits.
        _cgroup = _ctx.Cgroups.Create(u.Name, u.TasksMax.Resolve(HostLimits.MaxTasks), u.MemoryMax.Resolve(HostLimits.TotalMemory));
        _watch ??= _ctx.Watcher.Watch(_cgroup, OnCgroupChanged);
        _oomKillsAtStart = _ctx.Cgroups.OomKills(_cgroup);
        ForgetNotifications();
        _spawnWarnings.Clear();
        if (_pipes is null) OpenLogAndPipes();
        _log!.Configure(u.LogMaxBytes, u.LogBackups);
    }

    /// <summary>A fresh private /tmp and namespace pins for the run (SandboxFiles); one that cannot be made fails the start.</summary>
    private void PrepareSandbox(Sandbox s)
    {
        try
        {
            Sandbox().Prepare(s.PrivateTmp, s.PrivateNetwork, s.PrivateIpc);
        }
        catch (Exception e) when (e is ErrnoException || Core.FileErrors.Is(e))
        {
            string directive = s.PrivateTmp ? "PrivateTmp=yes" : s.PrivateNetwork ? "PrivateNetwork=yes" : "PrivateIPC=yes";
            throw new StartPreparationException($"{directive}: {e.Message}");
        }
    }

    private SandboxFiles Sandbox() => _sandboxFiles ??= new SandboxFiles(_ctx.SandboxRoot, Unit.Name);

    /// <summary>DynamicUser=: the user lent to this run, lent now if it is not yet; one that cannot be had fails the start.</summary>
    private Linux.Users.UserEntry DynamicUser()
    {
        try
        {
            return _dynamicUser ??= _ctx.DynamicUsers.Acquire(Unit.DynamicUserName, Linux.Users.UserDatabase.Load());
        }
        catch (Exception e) when (e is ErrnoException or InvalidOperationException || Core.FileErrors.Is(e))
        {
            throw new StartPreparationException($"DynamicUser=yes: {e.Message}");
        }
    }

    /// <summary>
    /// Nothing of the run is left: RemoveIPC= removes the user's IPC objects and a dynamic user is
    /// given back — each only once no process of that user runs anywhere (another service may run
    /// as the same user; systemd waits for the last of them too).
    /// </summary>
    private void EndUserRun()
    {
        var u = Unit;
        if (!u.RemoveIpc && !u.DynamicUser) return;
        int? uid;
        try
        {
            uid = u.DynamicUser ? DynamicUser().Uid
                : u.User is null ? null : ExecPreparation.Credentials(u, Linux.Users.UserDatabase.Load()).User?.Uid;
        }
        catch (StartPreparationException e)
        {
            Console.Error.WriteLine($"corral: {u.Name}: RemoveIPC=: {e.Message}");
            return;
        }
        if (uid is not { } id || id == 0 || ProcReader.AnyProcessOf(id)) return;
        if (u.RemoveIpc)
            foreach (var failure in IpcObjects.RemoveOf(id))
            {
                LastError ??= $"RemoveIPC=: {failure}";
                Console.Error.WriteLine($"corral: {u.Name}: RemoveIPC=: {failure}");
            }
        if (u.DynamicUser) _ctx.DynamicUsers.Release(id, u.DynamicUserName);
        _dynamicUser = null;
    }

    /// <summary>Restart=: the new run needs its cgroup like a started one; if it cannot have it, the spawn that follows fails.</summary>
    private void PrepareAutomaticRun()
    {
        try
        {
            PrepareRun();
            LeftOver = [];
            EscapedLeft = [];
            (_jobVerb, _jobUid) = ("start failed", null);
        }
        catch (Exception e) when (IsPreparationFailure(e))
        {
            LastError = $"cannot prepare the restart: {e.Message}";
            _cgroup = null;
        }
    }

    /// <summary>The service's log, and new output pipes into it.</summary>
    private void OpenLogAndPipes()
    {
        _log ??= ServiceLog.Open(_ctx.LogDir, Unit.Name, n => _ctx.Store.Add(n), _ctx.Echo);
        _pipes = _ctx.Output.Open(_log);
    }

    private void SpawnMain(ExecCommand cmd)
    {
        try
        {
            _main = Spawn(cmd, isMain: true);
            _lastMainPid = _main.Pid;
            _lastMainExit = null;
            ArmWatchdog();
            _pending.Enqueue(ServiceEvent.Started);
        }
        catch (Exception e) when (IsSpawnFailure(e))
        {
            LastError = $"{cmd.Path}: {e.Message}";
            _pending.Enqueue(ServiceEvent.Failed(e is SpawnException { Step: "execve" or "chdir" or "setuid" or "setgid" or "setgroups" }
                ? ServiceResult.ExitCode : ServiceResult.Resources));
        }
    }

    private void SpawnControl(ExecCommand cmd)
    {
        try
        {
            _control = Spawn(cmd, isMain: false);
            _lastControlPid = _control.Pid;
        }
        catch (Exception e) when (IsSpawnFailure(e))
        {
            // Report it as the control process failing, so the state machine takes its usual failure path.
            LastError = $"{cmd.Path}: {e.Message}";
            _pending.Enqueue(ServiceEvent.ControlExit(ExitStatus.Exited(cmd.IgnoreFailure ? 0 : 203)));
        }
    }

    /// <summary>What a run's preparation may fail with (its cgroup, log or pipes): the start fails with the message.</summary>
    private static bool IsPreparationFailure(Exception e) => e is CgroupException or ErrnoException or StartPreparationException || Core.FileErrors.Is(e);

    /// <summary>What a spawn may fail with: a step of the executor, a setting that cannot be met, the cgroup.</summary>
    private static bool IsSpawnFailure(Exception e) => e is SpawnException or StartPreparationException or CgroupException or ErrnoException;

    private IProcessHandle Spawn(ExecCommand cmd, bool isMain)
    {
        if (_cgroup is null || _pipes is null) throw new StartPreparationException(LastError ?? "the run has no cgroup");
        // A signal pass still under its freeze ends first: the new process (ExecStopPost= after the
        // main died) must neither be born frozen nor be taken for one the pass missed.
        FinishSignalPass();
        // What StandardInput=/StandardOutput= open is the child's once it is spawned: closed here after.
        using var files = new StdioFiles();
        // The start job's own variables ($MONITOR_* of an OnFailure= handler) come after the unit's Environment=.
        var unit0 = _jobEnvironment.Count == 0 ? Unit : Unit with { Environment = [.. Unit.Environment, .. _jobEnvironment] };
        // The main process gets the listening sockets of the socket units that start it (duplicates, closed once spawned).
        bool wantsConnection = Unit.StandardInput.Kind == Core.Units.InputKind.Socket || Unit.StandardOutput.Kind == Core.Units.OutputKind.Socket
            || Unit.StandardError.Kind == Core.Units.OutputKind.Socket;
        var sockets = isMain || wantsConnection ? _ctx.SocketsFor?.Invoke(Unit.Name) : null;
        if (isMain && _fdStore.Count > 0)
        {
            // The fd store follows the sockets (systemd's order), named as the service named them.
            var (stored, names) = StoredForSpawn();
            sockets = sockets is null ? new Sockets.PassedSockets(stored, names)
                : sockets with { Fds = [.. sockets.Fds, .. stored], Names = [.. sockets.Names, .. names] };
        }
        IProcessHandle h;
        try
        {
            var req = ExecPreparation.Build(unit0, cmd, _cgroup!, _pipes!, _main?.Pid, _ctx.NotifySocketPath, isMain, files, Sandbox(),
                Unit.DynamicUser && !cmd.Flags.HasFlag(Core.Units.ExecFlags.FullPrivileges) ? DynamicUser() : null, sockets);
            string unit = Unit.Name, role = isMain ? Core.Deaths.ProcessRoles.Main : Core.Deaths.ProcessRoles.Control;
            h = _ctx.Processes.Spawn(req, OnProcessExit, pid => _ctx.Tracker.Track(pid, unit, role, req.Executable, req.Argv, _oomKillsAtStart));
        }
        finally
        {
            foreach (int fd in sockets?.Fds ?? []) Linux.Descriptors.Close(fd);
        }
        foreach (var w in h.SpawnWarnings)
            if (!_spawnWarnings.Contains(w)) _spawnWarnings.Add(w);
        return h;
    }

    /// <summary>
    /// Where a path the service names (PIDFile=) is on the host: under PrivateTmp= its /tmp and /var/tmp
    /// are the run's own directories; under RootDirectory= every other path is in the root.
    /// </summary>
    private string PathOnHost(string path)
    {
        var s = Unit.Sandbox;
        if (s.PrivateTmp && MountPlan.Under(path, "/tmp")) return Sandbox().Tmp + path["/tmp".Length..];
        if (s.PrivateTmp && MountPlan.Under(path, "/var/tmp")) return Sandbox().VarTmp + path["/var/tmp".Length..];
        if (s.RootDirectory is { } root && !Unit.Directories.Any(kv => kv.Value.Any(d => MountPlan.Under(path, kv.Key.Base() + "/" + d)))) return root + path;
        return path;
    }

    /// <summary>Type=forking: the starter has exited 0; its daemon is named by PIDFile= or is the one process left.</summary>
    private void AdoptForkedMain()
    {
        int? pid = null;
        var procs = _ctx.Cgroups.ReadPids(_cgroup!);
        if (Unit.PidFile is { } pidFile)
        {
            string? text = null, why = "not readable";
            string onHost = PathOnHost(pidFile);
            try
            {
                // The service writes this file: a link of its own is not followed, and a device or a huge file is not read.
                if (FileFacts.OfPath(onHost) is { IsSymlink: true, Uid: not 0 } link)
                    why = $"is a symbolic link owned by uid {link.Uid}, not root; not followed";
                else
                    text = BoundedFile.ReadText(onHost, 4096).Trim();
            }
            catch (Exception e) when (e is ErrnoException or UnreadableFileException || Core.FileErrors.Is(e))
            {
                if (e is UnreadableFileException) why = e.Message;
            }
            if (text is null || !int.TryParse(text, out int p) || p <= 1)
            {
                LastError = $"PID file {pidFile} {(text is null ? why : $"holds no valid pid: '{(text.Length > 32 ? text[..32] + "…" : text)}'")} after start";
                _pending.Enqueue(ServiceEvent.Failed(ServiceResult.Protocol));
                return;
            }
            if (!procs.Contains(p))
            {
                LastError = $"PID file {pidFile} names pid {p}, which is not in the service's cgroup; refusing it";
                _pending.Enqueue(ServiceEvent.Failed(ServiceResult.Protocol));
                return;
            }
            pid = p;
        }
        else if (procs.Count == 1) pid = procs[0]; // systemd's GuessMainPID=

        if (pid is { } mainPid)
        {
            // The starter exited, so its daemon was re-parented to us (we are a subreaper) and we reap it.
            var h = _ctx.Processes.ClaimChild(mainPid, p => _ctx.Tracker.TrackRunning(p, Unit.Name, Core.Deaths.ProcessRoles.Main), OnProcessExit);
            if (h is not null)
            {
                _main = h;
                _lastMainPid = mainPid;
                _lastMainExit = null;
                ArmWatchdog();
            }
        }
        _pending.Enqueue(ServiceEvent.Started);
    }

    private void SendKill(KillPlan plan, string reason)
    {
        FinishSignalPass(); // a catchable signal still being delivered under a freeze reaches everyone first
        NoteKill(plan.Signal, reason);
        if (plan.Targets.HasFlag(KillTargets.Cgroup) && _cgroup is not null)
        {
            if (plan.Signal == SignalNames.SigKill) _ctx.Cgroups.KillAll(_cgroup);
            else SignalCgroup(plan.Signal, plan.SendSighup, plan.SendSigcont);
            return;
        }
        if (plan.Targets.HasFlag(KillTargets.Main) && _main is not null) SignalHandle(_main, plan);
        if (plan.Targets.HasFlag(KillTargets.Control) && _control is not null) SignalHandle(_control, plan);
    }

    private static bool SignalHandle(IProcessHandle h, KillPlan plan)
    {
        bool sent = h.TrySignal(plan.Signal);
        if (sent && plan.SendSighup) h.TrySignal(SignalNames.SigHup);
        if (sent && plan.SendSigcont) h.TrySignal(SignalNames.SigCont);
        return sent;
    }

    /// <summary>
    /// Processes of the service that left its cgroup outlive any stop of the cgroup: killed when the
    /// unit says KillEscaped=yes, otherwise reported as left running.
    /// </summary>
    private void HandleEscapees()
    {
        var escaped = Escapees(_cgroup);
        if (escaped.Count == 0 || !Unit.KillEscaped)
        {
            EscapedLeft = escaped;
            return;
        }
        NoteKill(SignalNames.SigKill, "escaped the service's cgroup; KillEscaped=yes");
        foreach (var e in escaped)
        {
            // Checked again just before the signal: the same process as tracked, still outside.
            using var h = _ctx.Tracker.OpenEscapee(Unit.Name, e.Pid, CgroupPathInProc);
            h?.TrySignal(SignalNames.SigKill);
        }
        EscapedLeft = [];
    }

    private void NoteKill(int signal, string reason) =>
        _ctx.Tracker.NoteCorralKill(Unit.Name, new Core.Deaths.CorralKill(signal, _jobVerb, _jobUid, reason, DateTimeOffset.Now));

    private void FinishRun(ServiceResult result)
    {
        FinishSignalPass();
        DisarmWatchdog();
        _ctx.Tracker.EndKillWindow(Unit.Name, DateTimeOffset.Now);
        _main?.Dispose();
        _control?.Dispose();
        _main = _control = null;
        LeftOver = _cgroup is null ? [] : _ctx.Cgroups.ReadPids(_cgroup);
        HandleEscapees();
        if (LeftOver.Count == 0) ReleaseCgroup();
        if (result == ServiceResult.Success) LastError = null;
        bool restarting = _fsm.State == ServiceState.AutoRestart || _jobVerb.StartsWith("restart", StringComparison.Ordinal);
        foreach (var failure in ServiceDirectories.RemoveRuntime(Unit, restarting))
        {
            LastError ??= failure;
            Console.Error.WriteLine($"corral: {Unit.Name}: {failure}");
        }
        // The output thread may not have read the run's last bytes yet (its processes are gone, so
        // they are all in the pipes): once it has, a last line without its newline is written too.
        // Not before: what is held then may be the start of a line whose rest is still in the pipe,
        // and it would be cut in two (seen under load: an 80 000-byte line split at 4 096).
        if (_pipes is { } pipes && _log is { } log)
            _ = _ctx.Output.DrainAsync(pipes).ContinueWith(_ => log.Flush(), TaskScheduler.Default);
        else _log?.Flush();
    }
}

/// <summary>A unit setting could not be turned into a spawn request (user unknown, file missing).</summary>
internal sealed class StartPreparationException(string message) : Exception(message);
