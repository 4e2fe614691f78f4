using Corral.Core.State;

namespace Corral.Linux;

/// <summary>
/// The one place that reaps. The daemon is a child subreaper, so orphans of its services become
/// its children too; a dedicated thread waits in waitid(P_ALL) and hands each status to whoever
/// registered the pid, or to the orphan handler.
/// A process may be reaped before whoever made it has registered it (a spawn whose program fails at
/// once, a forking service's daemon adopted by pid). So a spawner opens a <see cref="Claim"/> first:
/// while any claim is open, an exit nobody registered is parked instead of given to the orphan
/// handler; the claim's Register delivers a parked exit at once, and closing the last claim hands
/// whatever is still parked to the orphan handler. No lock is held across a spawn.
/// </summary>
public sealed class ChildReaper : IDisposable
{
    // The three below are guarded by _handlers' lock, held only for dictionary operations.
    private readonly Dictionary<int, Action<ExitStatus>> _handlers = new();
    private readonly Dictionary<int, ExitStatus> _parked = new();
    private int _claims;
    private readonly SemaphoreSlim _childrenMayExist = new(0);
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <summary>Called for exits of pids no one registered: reparented orphans of services.</summary>
    public event Action<int, ExitStatus>? OrphanExited;

    public ChildReaper() : this(out _, claimed: false)
    {
    }

    /// <summary>
    /// A reaper with a claim open from before its first reap (<paramref name="firstClaim"/>): a
    /// process that already has children (the daemon after a daemon-reexec) parks every exit until
    /// it has claimed what it knows and closes that claim.
    /// </summary>
    public static ChildReaper StartClaimed(out Claim firstClaim) => new(out firstClaim, claimed: true);

    private ChildReaper(out Claim firstClaim, bool claimed)
    {
        firstClaim = claimed ? BeginClaim() : null!;
        // Inherited SIG_IGN for SIGCHLD makes the kernel reap by itself and every status is lost.
        Interop.Signal(Core.Signals.SignalNames.SigChld, Interop.SIG_DFL);
        if (Interop.Prctl(Interop.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
            throw new ErrnoException("prctl(PR_SET_CHILD_SUBREAPER)", Interop.LastErrno);
        _thread = new Thread(Loop) { IsBackground = true, Name = "reaper" };
        _thread.Start();
    }

    /// <summary>Opened before a child is made (or a pid is taken over); exits nobody registered are parked until it closes.</summary>
    public Claim BeginClaim()
    {
        lock (_handlers) _claims++;
        return new Claim(this);
    }

    /// <summary>Whether an exit of this pid was reaped and waits, parked, for whoever claims it.</summary>
    public bool HasParked(int pid)
    {
        lock (_handlers) return _parked.ContainsKey(pid);
    }

    /// <summary>What a spawner holds from before the spawn until the pid is registered.</summary>
    public sealed class Claim(ChildReaper reaper) : IDisposable
    {
        private bool _closed;

        /// <summary>The handler for the pid's exit; called at once (on this thread) when the exit was already reaped.</summary>
        public void Register(int pid, Action<ExitStatus> onExit) => reaper.Register(pid, onExit);

        public void Dispose()
        {
            if (_closed) return;
            _closed = true;
            reaper.EndClaim();
        }
    }

    private void Register(int pid, Action<ExitStatus> onExit)
    {
        ExitStatus? early = null;
        lock (_handlers)
        {
            if (_parked.Remove(pid, out var status)) early = status;
            else _handlers[pid] = onExit;
        }
        // Only now, the child existing: a reaper woken before the spawn could find no child and sleep again.
        _childrenMayExist.Release();
        if (early is { } s) Deliver(pid, onExit, s);
    }

    private void EndClaim()
    {
        List<KeyValuePair<int, ExitStatus>>? orphans = null;
        lock (_handlers)
        {
            if (--_claims == 0 && _parked.Count > 0)
            {
                orphans = [.. _parked];
                _parked.Clear();
            }
        }
        foreach (var (pid, status) in orphans ?? []) Deliver(pid, null, status);
    }

    private void Loop()
    {
        var info = new Interop.SigInfo();
        while (!_stopping)
        {
            info = default;
            // Looked at first (WNOWAIT), reaped under the gate: once Hold returns nothing more is reaped.
            int r = Interop.Waitid(Interop.P_ALL, 0, ref info, Interop.WEXITED | Interop.WNOWAIT);
            if (r < 0)
            {
                int errno = Interop.LastErrno;
                if (errno == Interop.EINTR) continue;
                if (errno == Interop.ECHILD)
                {
                    // No child at all: none can appear but through a spawn (an orphan needs a living
                    // ancestor among our children), and every registration releases this.
                    _childrenMayExist.Wait();
                    continue;
                }
                Console.Error.WriteLine($"corral: waitid: {Interop.StrError(errno)}");
                Thread.Sleep(100);
                continue;
            }
            if (info.Pid == 0) continue;
            lock (_holdGate)
            {
                while (_held && !_stopping) Monitor.Wait(_holdGate);
                if (_stopping) return;
                int pid = info.Pid;
                info = default;
                if (Interop.Waitid(Interop.P_PID, pid, ref info, Interop.WEXITED | Interop.WNOHANG) < 0 || info.Pid != pid) continue;
                var status = info.Code switch
                {
                    Interop.CLD_EXITED => ExitStatus.Exited(info.Status),
                    Interop.CLD_DUMPED => ExitStatus.Killed(info.Status, coreDumped: true),
                    _ => ExitStatus.Killed(info.Status),
                };
                // Handed on under the gate too: a status reaped before Hold has reached its handler when Hold returns.
                Dispatch(pid, status);
            }
        }
    }

    private readonly object _holdGate = new();
    private bool _held;

    /// <summary>
    /// From now on nothing is reaped: children that end stay zombies, with their status, for the
    /// program image that follows (daemon-reexec keeps the pid, so they stay its children). When
    /// this returns, every status reaped before has been handed to its handler.
    /// </summary>
    public void Hold()
    {
        lock (_holdGate) _held = true;
    }

    /// <summary>Reaping goes on (a daemon-reexec that did not happen).</summary>
    public void Release()
    {
        lock (_holdGate)
        {
            _held = false;
            Monitor.PulseAll(_holdGate);
        }
    }

    private void Dispatch(int pid, ExitStatus status)
    {
        Action<ExitStatus>? handler;
        lock (_handlers)
        {
            if (!_handlers.Remove(pid, out handler) && _claims > 0)
            {
                _parked[pid] = status; // perhaps a child whose spawner has not registered it yet
                return;
            }
        }
        Deliver(pid, handler, status);
    }

    private void Deliver(int pid, Action<ExitStatus>? handler, ExitStatus status)
    {
        try
        {
            if (handler is not null) handler(status);
            else OrphanExited?.Invoke(pid, status);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"corral: exit handler for pid {pid} failed: {e}");
        }
    }

    public void Dispose()
    {
        _stopping = true;
        lock (_holdGate) Monitor.PulseAll(_holdGate);
        _childrenMayExist.Release();
    }
}
