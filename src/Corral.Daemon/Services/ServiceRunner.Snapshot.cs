using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Core.Units;
using Corral.Daemon.Api;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Services;

/// <summary>What status and show report, read consistently under the runner's lock.</summary>
public sealed partial class ServiceRunner
{
    public UnitStatus Snapshot(bool withProcesses)
    {
        lock (_gate)
        {
            var u = Unit;
            var procs = new List<ProcessInfo>();
            var zombies = Zombies();
            if (withProcesses && _cgroup is not null)
            {
                var users = Linux.Users.UserDatabase.Load();
                foreach (int pid in _ctx.Cgroups.ReadPids(_cgroup).Concat(zombies.Select(z => z.Pid)))
                {
                    if (!ProcReader.TryReadStat(pid, out var st)) continue;
                    string cmdline = ProcReader.TryReadCmdline(pid) ?? "";
                    int? uid = ProcReader.TryReadEffectiveUid(pid);
                    procs.Add(new ProcessInfo(pid, st!.Ppid, st.Comm, cmdline.Length > 0 ? cmdline : $"[{st.Comm}]")
                    {
                        State = st.State.ToString(),
                        Uid = uid,
                        User = uid is { } id ? users.UserName(id) : null,
                        RssKb = st.RssPages * Environment.SystemPageSize / 1024,
                        StartedAt = ProcReader.StartTime(st),
                        OomScore = ProcReader.TryReadOomScore(pid),
                        OomScoreAdj = ProcReader.TryReadOomScoreAdj(pid),
                    });
                }
            }
            string? mainComm = _main is not null && ProcReader.TryReadStat(_main.Pid, out var ms) ? ms!.Comm : null;
            var exit = _lastMainExit;
            return new UnitStatus
            {
                Name = u.Name,
                Description = u.Description,
                LoadState = "loaded",
                ActiveState = ServiceStateNames.ActiveState(_fsm.State),
                SubState = ServiceStateNames.SubState(_fsm.State),
                FragmentPath = u.FilePath,
                DropInPaths = [.. u.DropInPaths],
                FreezerState = FreezerState(),
                StateSince = StateSince,
                MainPid = _main?.Pid ?? 0,
                MainCommand = mainComm,
                ControlPid = _control?.Pid ?? 0,
                ExecMainPid = _lastMainPid,
                ExecMainCode = exit is { } e ? (int)e.Code : 0,
                ExecMainStatus = exit?.Value ?? 0,
                ExecMainText = exit?.ToString(),
                Result = ServiceResultNames.Format(_fsm.Result),
                CGroup = _cgroup is null ? null : "/" + Path.GetRelativePath(_ctx.Cgroups.Layout.UnifiedMount, _cgroup.Path),
                TasksCurrent = _cgroup is null ? null : _ctx.Cgroups.TasksCurrent(_cgroup),
                TasksMax = u.TasksMax.Resolve(HostLimits.MaxTasks),
                MemoryCurrent = _cgroup is null ? null : _ctx.Cgroups.MemoryCurrent(_cgroup),
                MemoryMax = u.MemoryMax.Resolve(HostLimits.TotalMemory),
                KillMode = KillModeNames.Format(u.KillMode),
                KillSignal = u.KillSignal,
                FinalKillSignal = u.FinalKillSignal,
                SendSigkill = u.SendSigkill,
                SendSighup = u.SendSighup,
                TimeoutStartUSec = ToUsec(u.TimeoutStart),
                TimeoutStopUSec = ToUsec(u.TimeoutStop),
                Type = u.Type.ToString().ToLowerInvariant(),
                Restart = RestartPolicyNames.Format(u.Restart),
                RestartUSec = ToUsec(_fsm.RestartDelay()),
                NRestarts = _fsm.NRestarts,
                LastError = LastError,
                LeftOver = [.. LeftOver],
                Escaped = ServiceStateNames.HasNoRun(_fsm.State) ? [.. EscapedLeft] : Escapees(),
                Processes = procs,
                Zombies = ZombieGroups(zombies),
                ZombieMax = u.ZombieMax,
                LogBytesLost = _log?.LostBytes ?? 0,
                NotEnforced = LimitEnforcement.NotEnforced(u, _ctx.Cgroups),
            };
        }
    }

    /// <summary>Tasks and memory of the cgroup (null without a run): the samples of the page's charts.</summary>
    public (ulong? Tasks, ulong? MemoryBytes) Usage()
    {
        lock (_gate)
            return _cgroup is null ? (null, null) : (_ctx.Cgroups.TasksCurrent(_cgroup), _ctx.Cgroups.MemoryCurrent(_cgroup));
    }

    /// <summary>What the health monitor checks every tick: cheaper than a whole snapshot.</summary>
    public UnitHealth Health()
    {
        lock (_gate)
        {
            bool inactive = ServiceStateNames.HasNoRun(_fsm.State);
            // Not while stopping: every dying process is then missing from cgroup.procs and would be
            // looked up, under this lock, in the middle of the stop; the stop's end reports escapees.
            bool look = !inactive && !ServiceStateNames.IsStopping(_fsm.State);
            return new UnitHealth(Unit, inactive, ZombieGroups(Zombies()), look ? Escapees() : [],
                "/" + Path.GetRelativePath(_ctx.Cgroups.Layout.UnifiedMount, _ctx.Cgroups.For(Unit.Name).Path));
        }
    }

    /// <summary>
    /// The tracker's zombies of the service; when the pids controller counts more tasks than the
    /// cgroup has live threads plus known zombies, one was missed: look for it among the children.
    /// </summary>
    private List<(int Pid, int Parent, string ParentComm, DateTimeOffset Since)> Zombies()
    {
        var zombies = _ctx.Tracker.ZombiesOf(Unit.Name);
        if (_cgroup is not null && _ctx.Cgroups.TasksCurrent(_cgroup) is { } tasks
            && tasks > (ulong)(_ctx.Cgroups.ThreadCount(_cgroup) + zombies.Count)
            && _ctx.Tracker.FindUnseenZombies(Unit.Name, _ctx.Cgroups.ReadPids(_cgroup)) > 0)
            zombies = _ctx.Tracker.ZombiesOf(Unit.Name);
        return zombies;
    }

    private static List<ZombieGroup> ZombieGroups(List<(int Pid, int Parent, string ParentComm, DateTimeOffset Since)> zombies) =>
        zombies.GroupBy(z => (z.Parent, z.ParentComm))
            .Select(g => new ZombieGroup(g.Key.Parent, g.Key.ParentComm, g.Count(), g.Min(z => z.Since)))
            .OrderByDescending(g => g.Count).ToList();

    private static long? ToUsec(TimeSpan t) => t == TimeSpan.MaxValue ? null : t.Ticks / 10;
}
