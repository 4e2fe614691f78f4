using System.Collections.Concurrent;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Deaths;

/// <summary>
/// The effective uid and command name of every process of the machine, kept from the process
/// connector (a fork inherits its parent's, an exec renames, a uid event changes the uid) after one
/// scan of /proc. A signal's sender is often gone — a `kill` exits at once — before its trace line
/// is read; who it was is still known here for a few seconds after it exited.
/// Written only by the connector's thread, which reads nothing from /proc here: what an event does
/// not tell (the name after an exec, the uid of a process whose parent was unknown) is left unknown
/// and read from /proc by whoever asks, on their own thread. Readers (the death recorder) look up
/// single entries of the concurrent map.
/// </summary>
internal sealed class IdentityMap
{
    /// <summary>Uid -1 and Comm null: not known from events (read from /proc when asked).</summary>
    private readonly record struct Identity(int Uid, string? Comm, long ExitedAt);

    private readonly ConcurrentDictionary<int, Identity> _ids = new();
    private long _lastPrune = Environment.TickCount64;

    public IdentityMap()
    {
        foreach (int pid in ProcReader.AllPids())
            if (ProcReader.TryReadEffectiveUid(pid) is { } uid)
                _ids[pid] = new Identity(uid, Comm(pid), 0);
    }

    public int? UidOf(int pid) => _ids.TryGetValue(pid, out var e) && e.Uid >= 0 ? e.Uid : ProcReader.TryReadEffectiveUid(pid);

    public string? CommOf(int pid) => _ids.TryGetValue(pid, out var e) && e.Comm is not null ? e.Comm : Comm(pid);

    public void OnProcEvent(ProcEvent e)
    {
        switch (e.Kind)
        {
            case ProcEventKind.Fork:
                _ids[e.Pid] = _ids.TryGetValue(e.ParentPid, out var parent) ? parent with { ExitedAt = 0 } : new Identity(-1, null, 0);
                break;
            case ProcEventKind.Exec:
                // The new name is in /proc (or the trace's exec line) but not in the event.
                if (_ids.TryGetValue(e.Pid, out var execd)) _ids[e.Pid] = execd with { Comm = null };
                break;
            case ProcEventKind.Comm: // prctl(PR_SET_NAME); exec sends no such event
                if (_ids.TryGetValue(e.Pid, out var named)) _ids[e.Pid] = named with { Comm = e.Comm };
                break;
            case ProcEventKind.Uid:
                _ids[e.Pid] = (_ids.TryGetValue(e.Pid, out var before) ? before : new Identity(e.Uid, null, 0)) with { Uid = e.Uid };
                break;
            case ProcEventKind.Exit:
                if (_ids.TryGetValue(e.Pid, out var gone)) _ids[e.Pid] = gone with { ExitedAt = Environment.TickCount64 };
                Prune();
                break;
        }
    }

    private static string? Comm(int pid) => ProcReader.TryReadText($"/proc/{pid}/comm")?.TrimEnd('\n');

    private void Prune()
    {
        long now = Environment.TickCount64;
        if (now - _lastPrune < 5000) return;
        _lastPrune = now;
        foreach (var kv in _ids)
            if (kv.Value.ExitedAt != 0 && now - kv.Value.ExitedAt > 10_000) _ids.TryRemove(kv.Key, out _);
    }
}
