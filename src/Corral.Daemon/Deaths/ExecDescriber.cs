namespace Corral.Daemon.Deaths;

/// <summary>
/// Reads from /proc what a tracked process became after an exec — its name and command line, which
/// the exec event does not carry — on a thread of its own, and gives it to the lineage. Neither the
/// connector's thread (which must not wait on /proc) nor the thread pool (whose workers, woken for
/// each of a start storm's execs, spin and take the CPU the starts need) does it.
/// </summary>
internal sealed class ExecDescriber : IDisposable
{
    private readonly ThreadInbox<(int Pid, TrackedProcess Process)> _execd = new();
    private readonly Action<int, TrackedProcess> _described;
    private readonly Thread _thread;

    /// <param name="described">called on this thread with what /proc said, for the lineage (which ignores it if the pid is another process's by then)</param>
    public ExecDescriber(Action<int, TrackedProcess> described)
    {
        _described = described;
        _thread = new Thread(Loop) { IsBackground = true, Name = "exec-describer" };
        _thread.Start();
    }

    public void Execd(int pid, TrackedProcess process)
    {
        _execd.TryAdd((pid, process)); // false once shut down
    }

    private void Loop()
    {
        foreach (var (pid, t) in _execd.Consume())
            if (TrackedProcess.TryDescribe(pid, t.Unit, t.Role) is { } now) _described(pid, now);
    }

    public void Dispose()
    {
        _execd.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(2));
    }
}
