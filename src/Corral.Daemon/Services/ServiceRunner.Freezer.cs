using Corral.Core.State;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Services;

/// <summary>
/// freeze and thaw: every process of the service stopped at once by the kernel's cgroup freezer
/// (no process can tell, none runs while another is being stopped), and let go again. Any job or
/// transition out of Running thaws first, as systemd does, so a stop's signals are handled and its
/// ExecStop= does not start frozen. The state is the kernel's (cgroup.freeze), so a daemon that takes
/// a run over sees a frozen service as frozen.
/// </summary>
internal sealed partial class ServiceRunner
{
    /// <summary>How long a freeze or thaw may take before the job reports it unfinished.</summary>
    private static readonly TimeSpan FreezerWait = TimeSpan.FromSeconds(5);

    public Task<JobResult> FreezeAsync() => SetFrozenAsync(true);

    public Task<JobResult> ThawAsync() => SetFrozenAsync(false);

    private async Task<JobResult> SetFrozenAsync(bool frozen)
    {
        var (refused, asked) = await _loop.Ask<(JobResult?, ServiceCgroup?)>(() =>
        {
            // A kill's signal pass under its own freeze ends (and thaws) first: it must not undo this freeze.
            FinishSignalPass();
            if (!frozen && (_cgroup is null || _ctx.Cgroups.FreezerState(_cgroup) == "running"))
                return (JobResult.Done, null); // nothing is frozen: a thaw leaves it as it is
            if (frozen && (_fsm.State != ServiceState.Running || _cgroup is null))
                return (JobResult.Fail($"unit {Unit.Name} is {ServiceStateNames.ActiveState(_fsm.State)} ({ServiceStateNames.SubState(_fsm.State)}); only a running service can be frozen"), null);
            try
            {
                _ctx.Cgroups.SetFrozen(_cgroup!, frozen);
                return (null, _cgroup);
            }
            catch (CgroupException e)
            {
                return (JobResult.Fail($"{Unit.Name}: {e.Message}"), null);
            }
        });
        if (refused is not null) return refused;
        var cg = asked!;
        _ctx.Changes.Notify(Unit.Name);
        string want = frozen ? "frozen" : "running";
        var end = DateTime.UtcNow + FreezerWait;
        while (_ctx.Cgroups.FreezerState(cg) != want)
        {
            if (DateTime.UtcNow > end)
                return JobResult.Fail($"{Unit.Name}: the kernel has not {(frozen ? "frozen" : "thawed")} every process after {FreezerWait.TotalSeconds:0} s (a process in uninterruptible sleep?); it is {_ctx.Cgroups.FreezerState(cg)}");
            await Task.Delay(5);
        }
        _ctx.Changes.Notify(Unit.Name);
        return JobResult.Done;
    }

    /// <summary>Before a job or a transition acts on the processes: a frozen service is thawed.</summary>
    private void ThawIfFrozen()
    {
        if (_cgroup is null || _ctx.Cgroups.FreezerState(_cgroup) is "running") return;
        try
        {
            _ctx.Cgroups.SetFrozen(_cgroup, false);
        }
        catch (CgroupException e)
        {
            LastError = $"cannot thaw before acting: {e.Message}";
        }
    }
}
