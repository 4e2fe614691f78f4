using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Services;

/// <summary>
/// A catchable signal (a stop's SIGTERM, <c>corral kill</c>'s) to every process of the cgroup, each
/// once, none slipping through. Reading cgroup.procs and signalling pid by pid is not atomic: a
/// process not signalled yet forks meanwhile, and one signalled in the middle of a fork may finish
/// it, its child showing in cgroup.procs only after the read. A fork storm also refills, pass after
/// pass, what the passes empty (a bomb capped by TasksMax= kept a stop's passes going for minutes,
/// with the unit's loop busy and its stop timeout unheard).
///
/// So after one pass over what cgroup.procs lists, the cgroup is frozen (cgroup.freeze). The kernel
/// lets a fork in flight finish, holds every task that reaches user space, and freezes the children
/// born meanwhile; tasks that were signalled to death just leave. Once cgroup.events says frozen,
/// cgroup.procs is complete and stays so: whoever the first pass missed is signalled then, and the
/// thaw lets every signal be handled. The loop is never held: "frozen" arrives as a cgroup event like
/// "populated 0", and a process that cannot be frozen (uninterruptible sleep) makes the pass end
/// unfrozen after <see cref="FreezeWait"/>, re-reading until a read finds nobody new, as before.
/// A cgroup the administrator froze (<c>corral kill</c> does not thaw) or one without the v2 freezer
/// gets that unfrozen pass at once.
/// </summary>
internal sealed partial class ServiceRunner
{
    /// <summary>How long a pass waits for the kernel to freeze the cgroup before it ends without the freeze.</summary>
    private static readonly TimeSpan FreezeWait = TimeSpan.FromSeconds(1);

    /// <summary>A pass's cgroup, its signal (with SIGHUP/SIGCONT after it as the unit asks), and the pids already sent it.</summary>
    private sealed record SignalPass(ServiceCgroup Cgroup, KillPlan Plan, HashSet<int> Seen);

    // The pass waiting for its freeze; loop-owned like every field.
    private SignalPass? _signalPass;

    /// <summary>Signals the cgroup's processes; returns how many the first pass reached (the rest follow under the freeze).</summary>
    private int SignalCgroup(int signal, bool sighup, bool sigcont)
    {
        FinishSignalPass();
        var pass = new SignalPass(_cgroup!, new KillPlan(KillTargets.Main, signal, sighup, sigcont), []);
        foreach (var h in new[] { _main, _control })
            if (h is not null && pass.Seen.Add(h.Pid)) SignalHandle(h, pass.Plan);
        SignalNewlyListed(pass);
        if (_ctx.Cgroups.IsPopulated(pass.Cgroup) && TryFreezeFor(pass))
        {
            _signalPass = pass;
            _passTimer.Arm(FreezeWait, FinishSignalPass);
        }
        else SignalUntilNoneNew(pass);
        return pass.Seen.Count;
    }

    /// <summary>A cgroup event while a pass waits: once the cgroup is frozen (or empty), the pass ends.</summary>
    private void ContinueSignalPass()
    {
        if (_signalPass is not { } pass) return;
        if (_ctx.Cgroups.IsPopulated(pass.Cgroup) && _ctx.Cgroups.FreezerState(pass.Cgroup) != "frozen") return;
        FinishSignalPass();
    }

    /// <summary>The pass's last read, then the thaw; also called before anything else acts on the processes.</summary>
    private void FinishSignalPass()
    {
        if (_signalPass is not { } pass) return;
        _signalPass = null;
        _passTimer.Disarm();
        if (_ctx.Cgroups.FreezerState(pass.Cgroup) == "frozen") SignalNewlyListed(pass); // nobody can fork now
        else SignalUntilNoneNew(pass);
        try
        {
            _ctx.Cgroups.SetFrozen(pass.Cgroup, false);
        }
        catch (CgroupException) when (!Directory.Exists(pass.Cgroup.Path))
        {
            // Empty and removed already: nothing is left frozen.
        }
        catch (CgroupException e)
        {
            LastError = $"cannot thaw after signalling: {e.Message}";
        }
    }

    private bool TryFreezeFor(SignalPass pass)
    {
        if (_ctx.Cgroups.FreezerState(pass.Cgroup) != "running") return false; // the administrator's freeze stays theirs
        try
        {
            _ctx.Cgroups.SetFrozen(pass.Cgroup, true);
            return true;
        }
        catch (CgroupException)
        {
            return false; // no v2 freezer here: the unfrozen pass
        }
    }

    /// <summary>Reads cgroup.procs once and signals whoever is not signalled yet; true when there was anyone.</summary>
    private bool SignalNewlyListed(SignalPass pass)
    {
        bool any = false;
        foreach (int pid in _ctx.Cgroups.ReadPids(pass.Cgroup))
        {
            if (!pass.Seen.Add(pid)) continue;
            any = true;
            if (_ctx.Processes.Kill(pid, pass.Plan.Signal))
            {
                if (pass.Plan.SendSighup) _ctx.Processes.Kill(pid, SignalNames.SigHup);
                if (pass.Plan.SendSigcont) _ctx.Processes.Kill(pid, SignalNames.SigCont);
            }
        }
        return any;
    }

    /// <summary>Without a freeze: reads again until a read finds nobody new (bounded, so that a storm cannot hold the loop).</summary>
    private void SignalUntilNoneNew(SignalPass pass)
    {
        for (int n = 0; n < 100 && SignalNewlyListed(pass); n++) { }
    }
}
