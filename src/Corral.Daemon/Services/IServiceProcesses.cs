using Corral.Core.State;
using Corral.Linux;
using Corral.Linux.Spawn;

namespace Corral.Daemon.Services;

/// <summary>
/// The processes a runner starts, takes over and signals — the kernel as a runner sees it.
/// <see cref="KernelProcesses"/> is the daemon's; the runner's tests give it a fake kernel whose
/// processes exit when the test says, so the mailbox can be driven with no root and no waiting.
/// </summary>
internal interface IServiceProcesses
{
    /// <summary>Starts a process as the request says; returns once it runs its own code (or throws why it could not).</summary>
    /// <param name="onExit">called once with its exit status, on the reaper's thread</param>
    /// <param name="onSpawned">called with its pid before it can exec or be reaped</param>
    IProcessHandle Spawn(SpawnRequest req, Action<IProcessHandle, ExitStatus> onExit, Action<int>? onSpawned = null);

    /// <summary>
    /// A child of Corral's that it did not spawn (a forking service's daemon, re-parented to it):
    /// opened, <paramref name="opened"/> told before its exit can be, and its exit claimed from the
    /// reaper. Null when it is gone already.
    /// </summary>
    /// <param name="ended">
    /// also when it has ended and been reaped already while a claim was open (the reaper parked its
    /// status): a daemon-reexec's new image finds the main processes that ended meanwhile so
    /// </param>
    IProcessHandle? ClaimChild(int pid, Action<int> opened, Action<IProcessHandle, ExitStatus> onExit, bool ended = false);

    /// <summary>A process that is not Corral's child (taken over from a dead daemon): its exit is told by other means.</summary>
    IProcessHandle? Open(int pid);

    /// <summary>Whether an exit of this pid, a child of the daemon's, was reaped and waits for its claim (see ClaimChild).</summary>
    bool EndedUnclaimed(int pid);

    /// <summary>A signal by bare pid (a process of the cgroup just read from cgroup.procs); false when it is gone.</summary>
    bool Kill(int pid, int signal);
}

/// <summary>The daemon's processes: spawned through corral-exec, reaped by the subreaper, signalled through pidfds.</summary>
internal sealed class KernelProcesses(Spawner spawner, ChildReaper reaper) : IServiceProcesses
{
    public IProcessHandle Spawn(SpawnRequest req, Action<IProcessHandle, ExitStatus> onExit, Action<int>? onSpawned = null) =>
        spawner.Spawn(req, onExit, onSpawned);

    public IProcessHandle? ClaimChild(int pid, Action<int> opened, Action<IProcessHandle, ExitStatus> onExit, bool ended = false)
    {
        // Claimed before the pidfd is opened: an exit reaped meanwhile is parked, not lost.
        using var claim = reaper.BeginClaim();
        // Parked first: the pid of a process reaped already may name another process by now.
        var h = ended && reaper.HasParked(pid) ? new ProcessHandle(pid, -1) : ProcessHandle.TryOpen(pid);
        if (h is null) return null;
        opened(pid);
        claim.Register(pid, status => onExit(h, status));
        return h;
    }

    public IProcessHandle? Open(int pid) => ProcessHandle.TryOpen(pid);

    public bool EndedUnclaimed(int pid) => reaper.HasParked(pid);

    public bool Kill(int pid, int signal) => Signaller.TryKill(pid, signal);
}
