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
    private readonly string _rootInProc = cgroups.Layout.ProcPath(cgroups.Root).TrimEnd('/') + "/";

    public void OnDatagram(NotifyDatagram d)
    {
        if (d.NoCredentials || d.Pid <= 0) { counters.Refused(NotifyCounters.NoCredentials); return; }
        if (d.Oversized) { counters.Refused(NotifyCounters.Oversized); return; }
        if (!NotifyMessage.TryParse(d.Payload, out var message, out _)) { counters.Refused(NotifyCounters.Malformed); return; }
        // Read, then checked: were the sender gone by now, its pid might name another process already.
        if (ProcReader.TryReadUnifiedCgroup(d.Pid) is not { } cgroup || !d.SenderAlive()) { counters.Refused(NotifyCounters.SenderGone); return; }
        if (UnitOf(cgroup) is not { } unit || runnerOf(unit) is not { } runner) { counters.Refused(NotifyCounters.Foreign); return; }
        runner.Notified(d.Pid, message);
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
