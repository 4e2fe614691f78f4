using Corral.Core.Notify;
using Corral.Linux.Cgroups;
using Corral.Linux.Notify;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Services;

/// <summary>
/// Takes each datagram of the notification socket (its thread) to the unit whose cgroup its sender
/// is in, once the envelope is sound: credentials present, no more than 4096 bytes, text that says
/// something. A sender in no unit of this daemon (any local process may write to the socket) is
/// refused and counted, never acted on. The unit is found from the sender's /proc/PID/cgroup, read
/// at once, and kept only if the sender's pidfd (SCM_PIDFD) says it has not exited since, so a pid
/// reused in between is not taken for it. A sender that has already exited cannot be placed
/// (systemd-notify waits for its messages to be handled before it exits, so it can).
/// </summary>
internal sealed class NotifyRouter(ICgroupManager cgroups, Func<string, ServiceRunner?> runnerOf, NotifyCounters counters)
{
    /// <summary>The most messages one process may send in a second; the rest of that second's are dropped unread.</summary>
    public const int PerSecond = 1000;

    private readonly string _rootInProc = cgroups.Layout.ProcPath(cgroups.Root).TrimEnd('/') + "/";
    // Owned by the socket's thread: per sender pid, the second it is counted in and its count so far.
    private readonly Dictionary<int, (long Second, int Count)> _rates = new();
    private long _lastPrune;

    public void OnDatagram(NotifyDatagram d)
    {
        if (d.NoCredentials || d.Pid <= 0) { counters.Refused(NotifyCounters.NoCredentials); return; }
        if (!WithinRate(d.Pid)) { counters.Refused(NotifyCounters.RateLimited); return; }
        if (d.Oversized) { counters.Refused(NotifyCounters.Oversized); return; }
        if (!NotifyMessage.TryParse(d.Payload, out var message, out _)) { counters.Refused(NotifyCounters.Malformed); return; }
        // Read, then checked: were the sender gone by now, its pid might name another process already.
        if (ProcReader.TryReadUnifiedCgroup(d.Pid) is not { } cgroup || !d.SenderAlive()) { counters.Refused(NotifyCounters.SenderGone); return; }
        if (UnitOf(cgroup) is not { } unit || runnerOf(unit) is not { } runner) { counters.Refused(NotifyCounters.Foreign); return; }
        // FDSTORE=1: the descriptors are duplicated now; the socket's thread closes its own once this returns.
        runner.Notified(d.Pid, message, message.FdStore && d.Fds.Count > 0 ? d.Duplicates() : []);
    }

    /// <summary>
    /// A flood from one process costs a dictionary lookup per datagram, not a /proc read, a parse and
    /// a trip to its unit's loop (measured: docs/benchmarks.md, "status-flood").
    /// </summary>
    private bool WithinRate(int pid)
    {
        long second = Environment.TickCount64 / 1000;
        if (second - _lastPrune >= 10 || _rates.Count > 65536)
        {
            foreach (var old in _rates.Where(kv => kv.Value.Second < second).Select(kv => kv.Key).ToList()) _rates.Remove(old);
            _lastPrune = second;
        }
        var (at, count) = _rates.TryGetValue(pid, out var r) && r.Second == second ? r : (second, 0);
        _rates[pid] = (at, count + 1);
        return count < PerSecond;
    }

    /// <summary>The unit whose cgroup (or a cgroup below it) is <paramref name="cgroup"/>, as /proc names it; null outside this daemon's root.</summary>
    public string? UnitOf(string cgroup)
    {
        if (!cgroup.StartsWith(_rootInProc, StringComparison.Ordinal)) return null;
        string rest = cgroup[_rootInProc.Length..];
        int slash = rest.IndexOf('/');
        string name = slash < 0 ? rest : rest[..slash];
        return Core.Units.UnitNames.IsService(name) ? name : null;
    }
}
