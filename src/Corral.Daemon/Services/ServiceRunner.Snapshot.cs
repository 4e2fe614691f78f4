using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Core.State;
using Corral.Core.Units;
using Corral.Linux.Procfs;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Services;

/// <summary>
/// What status and show report: the view the loop last published, with what the kernel and the
/// tracker say now. Built on the caller's thread; it never waits on the unit's loop.
/// </summary>
internal sealed partial class ServiceRunner
{
    public UnitStatus Snapshot(bool withProcesses)
    {
        var v = _view;
        var u = v.Unit;
        var cgroup = v.Cgroup;
        var procs = new List<ProcessInfo>();
        var zombies = Zombies(cgroup);
        if (withProcesses && cgroup is not null)
        {
            var users = Linux.Users.UserDatabase.Load();
            foreach (int pid in _ctx.Cgroups.ReadPids(cgroup).Concat(zombies.Select(z => z.Pid)))
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
        string? mainComm = v.MainPid > 0 && ProcReader.TryReadStat(v.MainPid, out var ms) ? ms!.Comm : null;
        var exit = v.LastMainExit;
        return new UnitStatus
        {
            Name = u.Name,
            Description = u.Description,
            LoadState = "loaded",
            ActiveState = ServiceStateNames.ActiveState(v.State),
            SubState = ServiceStateNames.SubState(v.State),
            FragmentPath = u.FilePath,
            DropInPaths = [.. u.DropInPaths],
            FreezerState = cgroup is null ? "running" : _ctx.Cgroups.FreezerState(cgroup),
            StateSince = v.StateSince,
            StartedBy = v.StartedBy,
            NFileDescriptorStore = v.FdStoreCount,
            FileDescriptorStoreMax = u.FileDescriptorStoreMax,
            InactiveExitTimestamp = v.ActivatedAt,
            InactiveEnterTimestamp = v.DeactivatedAt,
            MainPid = v.MainPid,
            MainCommand = mainComm,
            ControlPid = v.ControlPid,
            ExecMainPid = v.LastMainPid,
            ExecMainCode = exit is { } e ? (int)e.Code : 0,
            ExecMainStatus = exit?.Value ?? 0,
            ExecMainText = exit?.ToString(),
            Result = ServiceResultNames.Format(v.Result),
            CGroup = cgroup is null ? null : _ctx.Cgroups.Layout.ProcPath(cgroup.Path),
            TasksCurrent = cgroup is null ? null : _ctx.Cgroups.TasksCurrent(cgroup),
            TasksMax = u.TasksMax.Resolve(HostLimits.MaxTasks),
            MemoryCurrent = cgroup is null ? null : _ctx.Cgroups.MemoryCurrent(cgroup),
            MemoryMax = u.MemoryMax.Resolve(HostLimits.TotalMemory),
            KillMode = KillModeNames.Format(u.KillMode),
            KillSignal = u.KillSignal,
            FinalKillSignal = u.FinalKillSignal,
            SendSigkill = u.SendSigkill,
            SendSighup = u.SendSighup,
            TimeoutStartUSec = ToUsec(u.TimeoutStart),
            TimeoutStopUSec = ToUsec(u.TimeoutStop),
            Type = ServiceTypeNames.Format(u.Type),
            Restart = RestartPolicyNames.Format(u.Restart),
            RestartUSec = ToUsec(v.RestartDelay),
            NRestarts = v.NRestarts,
            StatusText = v.StatusText,
            StatusErrno = v.StatusErrno ?? 0,
            NotifyAccess = NotifyAccessNames.Format(u.NotifyAccess),
            WatchdogUSec = u.WatchdogSec > TimeSpan.Zero ? ToUsec(u.WatchdogSec) : 0,
            NotifyRefused = v.NotifyRefused,
            NotifyLastRefused = v.NotifyLastRefused,
            SpawnWarnings = [.. v.SpawnWarnings],
            RunsWithout = [.. u.RunsWithout],
            UnmetCondition = v.UnmetCondition,
            UnmetAssert = v.UnmetAssert,
            ConditionAt = v.ConditionAt,
            LastError = v.LastError,
            LeftOver = [.. v.LeftOver],
            Escaped = ServiceStateNames.HasNoRun(v.State) ? [.. v.EscapedLeft] : Escapees(cgroup),
            Processes = procs,
            Zombies = ZombieGroups(zombies),
            ZombieMax = u.ZombieMax,
            LogBytesLost = v.Log?.LostBytes ?? 0,
            NotEnforced = LimitEnforcement.NotEnforced(u, _ctx.Cgroups),
        };
    }

    /// <summary>Tasks and memory of the cgroup (null without a run): the samples of the page's charts.</summary>
    public (ulong? Tasks, ulong? MemoryBytes) Usage() =>
        _view.Cgroup is not { } cg ? (null, null) : (_ctx.Cgroups.TasksCurrent(cg), _ctx.Cgroups.MemoryCurrent(cg));

    /// <summary>What the health monitor checks every tick: cheaper than a whole snapshot. The monitor's thread, never the loop's.</summary>
    public UnitHealth Health()
    {
        var v = _view;
        bool inactive = ServiceStateNames.HasNoRun(v.State);
        // Not while stopping: every dying process is then missing from cgroup.procs and would be
        // looked up in the middle of the stop; the stop's end reports escapees.
        bool look = !inactive && !ServiceStateNames.IsStopping(v.State);
        return new UnitHealth(v.Unit, inactive, ZombieGroups(Zombies(v.Cgroup)), look ? Escapees(v.Cgroup) : [],
            CgroupPathInProc);
    }

    /// <summary>
    /// The tracker's zombies of the service; when the pids controller counts more tasks than the
    /// cgroup has live threads plus known zombies, one was missed: look for it among the children.
    /// </summary>
    private List<(int Pid, int Parent, string ParentComm, DateTimeOffset Since)> Zombies(Linux.Cgroups.ServiceCgroup? cgroup)
    {
        var zombies = _ctx.Tracker.ZombiesOf(Unit.Name);
        if (cgroup is not null && _ctx.Cgroups.TasksCurrent(cgroup) is { } tasks
            && tasks > (ulong)(_ctx.Cgroups.ThreadCount(cgroup) + zombies.Count)
            && _ctx.Tracker.FindUnseenZombies(Unit.Name, _ctx.Cgroups.ReadPids(cgroup)) > 0)
            zombies = _ctx.Tracker.ZombiesOf(Unit.Name);
        return zombies;
    }

    private static List<ZombieGroup> ZombieGroups(List<(int Pid, int Parent, string ParentComm, DateTimeOffset Since)> zombies) =>
        zombies.GroupBy(z => (z.Parent, z.ParentComm))
            .Select(g => new ZombieGroup(g.Key.Parent, g.Key.ParentComm, g.Count(), g.Min(z => z.Since)))
            .OrderByDescending(g => g.Count).ToList();

    private static long? ToUsec(TimeSpan t) => t == TimeSpan.MaxValue ? null : Core.Text.Microseconds.Of(t);
}
