using System.Collections.Concurrent;
using Corral.Linux.ProcConnector;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Deaths;

/// <summary>
/// The effective uid and command name of every process of the machine, kept from the process
/// connector (a fork inherits its parent's, an exec renames, a uid event changes the uid) after one
/// scan of /proc. A signal's sender is often gone — a `kill` exits at once — before its trace line
/// is read; who it was is still known here for a few seconds after it exited.
/// </summary>
public sealed class IdentityMap
{
    private readonly record struct Identity(int Uid, string? Comm, long ExitedAt);

    private readonly ConcurrentDictionary<int, Identity> _ids = new();
    private long _lastPrune = Environment.TickCount64;

    public IdentityMap()
    {
        foreach (int pid in ProcReader.AllPids())
            if (ProcReader.TryReadEffectiveUid(pid) is { } uid)
                _ids[pid] = new Identity(uid, Comm(pid), 0);
    }

    public int? UidOf(int pid) => _ids.TryGetValue(pid, out var e) ? e.Uid : ProcReader.TryReadEffectiveUid(pid);

    public string? CommOf(int pid) => _ids.TryGetValue(pid, out var e) && e.Comm is not null ? e.Comm : Comm(pid);

    public void OnProcEvent(ProcEvent e)
    {
        switch (e.Kind)
        {
            case ProcEventKind.Fork:
                if (_ids.TryGetValue(e.ParentPid, out var parent)) _ids[e.Pid] = parent with { ExitedAt = 0 };
                else if (ProcReader.TryReadEffectiveUid(e.Pid) is { } uid) _ids[e.Pid] = new Identity(uid, Comm(e.Pid), 0);
                break;
            case ProcEventKind.Exec:
                if (_ids.TryGetValue(e.Pid, out var execd)) _ids[e.Pid] = execd with { Comm = Comm(e.Pid) ?? execd.Comm };
                break;
            case ProcEventKind.Comm: // prctl(PR_SET_NAME); exec sends no such event
                if (_ids.TryGetValue(e.Pid, out var named)) _ids[e.Pid] = named with { Comm = e.Comm };
                break;
            case ProcEventKind.Uid:
                _ids[e.Pid] = (_ids.TryGetValue(e.Pid, out var before) ? before : new Identity(e.Uid, Comm(e.Pid), 0)) with { Uid = e.Uid };
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
