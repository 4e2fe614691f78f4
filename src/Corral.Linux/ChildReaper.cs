using Corral.Core.State;

namespace Corral.Linux;

/// <summary>
/// The one place that reaps. The daemon is a child subreaper, so orphans of its services become
/// its children too; a dedicated thread waits in waitid(P_ALL) and hands each status to whoever
/// registered the pid, or to the orphan handler. The spawner holds <see cref="SpawnLock"/> from
/// posix_spawn until it has registered the pid, and dispatch takes the same lock, so a fast exit
/// cannot be mistaken for an orphan's.
/// </summary>
public sealed class ChildReaper : IDisposable
{
    private readonly Dictionary<int, Action<ExitStatus>> _handlers = new();
    private readonly SemaphoreSlim _childrenMayExist = new(0);
    private readonly Thread _thread;
    private volatile bool _stopping;

    public object SpawnLock { get; } = new();

    /// <summary>Called for exits of pids no one registered: reparented orphans of services.</summary>
    public event Action<int, ExitStatus>? OrphanExited;

    public ChildReaper()
    {
        // Inherited SIG_IGN for SIGCHLD makes the kernel reap by itself and every status is lost.
        Interop.Signal(Core.Signals.SignalNames.SigChld, Interop.SIG_DFL);
        if (Interop.Prctl(Interop.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
            throw new ErrnoException("prctl(PR_SET_CHILD_SUBREAPER)", Interop.LastErrno);
        _thread = new Thread(Loop) { IsBackground = true, Name = "reaper" };
        _thread.Start();
    }

    /// <summary>Registers the handler for a pid just spawned; call with <see cref="SpawnLock"/> held.</summary>
    public void Register(int pid, Action<ExitStatus> onExit)
    {
        lock (_handlers) _handlers[pid] = onExit;
        _childrenMayExist.Release();
    }

    private void Loop()
    {
        var info = new Interop.SigInfo();
        while (!_stopping)
        {
            info = default;
            int r = Interop.Waitid(Interop.P_ALL, 0, ref info, Interop.WEXITED);
            if (r < 0)
            {
                int errno = Interop.LastErrno;
                if (errno == Interop.EINTR) continue;
                if (errno == Interop.ECHILD)
                {
                    // No child at all: none can appear but through a spawn (an orphan needs a living
                    // ancestor among our children), and every spawn releases this.
                    _childrenMayExist.Wait();
                    continue;
                }
                Console.Error.WriteLine($"corral: waitid: {Interop.StrError(errno)}");
                Thread.Sleep(100);
                continue;
            }
            if (info.Pid == 0) continue;
            var status = info.Code switch
            {
                Interop.CLD_EXITED => ExitStatus.Exited(info.Status),
                Interop.CLD_DUMPED => ExitStatus.Killed(info.Status, coreDumped: true),
                _ => ExitStatus.Killed(info.Status),
            };
            Dispatch(info.Pid, status);
        }
    }

    private void Dispatch(int pid, ExitStatus status)
    {
        Action<ExitStatus>? handler;
        lock (SpawnLock)
        lock (_handlers)
        {
            if (_handlers.Remove(pid, out handler)) { }
        }
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
        _childrenMayExist.Release();
    }
}
