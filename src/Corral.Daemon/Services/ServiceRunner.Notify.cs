using Corral.Core.Notify;
using Corral.Core.State;
using Corral.Core.Units;
using Corral.Linux;

namespace Corral.Daemon.Services;

/// <summary>
/// What the service says over the notification socket (sd_notify): readiness, reloads, its own
/// stop, its status, a new main process, timeout extensions, and the watchdog's pings. The router
/// has checked the datagram's envelope and that the sender is in this unit's cgroup; here, on the
/// loop, NotifyAccess= decides whether this sender may speak, and the state machine what it means.
/// </summary>
internal sealed partial class ServiceRunner
{
    private string? _statusText;
    private int? _statusErrno;
    private int _notifyRefused;
    private string? _notifyLastRefused;
    // WATCHDOG_USEC= of this run, replacing WatchdogSec=.
    private TimeSpan? _watchdogOverride;

    private TimeSpan WatchdogInterval => _watchdogOverride ?? Unit.WatchdogSec;

    // Messages not yet handled, and whether a loop item to handle them is on its way: a service
    // that sends thousands a second costs one loop item (and one published view) per batch, not one
    // each. A message joins the batch already posted, so none is handled later than if posted alone.
    private readonly System.Collections.Concurrent.ConcurrentQueue<(int Pid, NotifyMessage Message, IReadOnlyList<int> Fds)> _notifications = new();
    private int _notificationsPosted;

    /// <summary>The notification socket's thread: a message from <paramref name="pid"/>, a process of this unit's cgroup.</summary>
    /// <param name="fds">FDSTORE=1: duplicates of the descriptors it came with, the runner's to keep or close</param>
    public void Notified(int pid, NotifyMessage message, IReadOnlyList<int> fds)
    {
        _notifications.Enqueue((pid, message, fds));
        if (Interlocked.Exchange(ref _notificationsPosted, 1) == 0) _loop.Post(HandleNotifications);
    }

    private void HandleNotifications()
    {
        Volatile.Write(ref _notificationsPosted, 0);
        bool any = false;
        while (_notifications.TryDequeue(out var n)) any |= OnNotified(n.Pid, n.Message, n.Fds);
        if (!any) return;
        Publish();
        _ctx.Changes.Notify(Unit.Name);
    }

    /// <summary>One message, on the loop; false when it changed nothing a reader sees.</summary>
    private bool OnNotified(int pid, NotifyMessage m, IReadOnlyList<int> fds)
    {
        if (m.AsksNothing) return false; // BARRIER=1 alone: the socket has answered it by closing its descriptor
        if (Refusal(pid) is { } why)
        {
            foreach (int fd in fds) if (fd >= 0) Descriptors.Close(fd);
            _notifyRefused++;
            _notifyLastRefused = $"{m.Summary} from pid {pid}: {why}";
            _ctx.Notifications.Refused(NotifyCounters.NotAllowed);
            return true;
        }
        _ctx.Notifications.Accepted();
        if (m.Problems.Count > 0) _notifyLastRefused = $"left out of a message from pid {pid}: {string.Join("; ", m.Problems)}";
        if (m.MainPid is { } newMain) TakeMainPid(newMain, pid);
        if (m.Status is { } text) _statusText = text.Length == 0 ? null : text;
        if (m.Errno is { } errno) _statusErrno = errno;
        if (m.WatchdogInterval is { } interval) _watchdogOverride = interval;
        if (m.WatchdogPing || m.WatchdogInterval is not null) ArmWatchdog();
        // As systemd orders them: the main pid first, then what the service says of its state.
        if (m.ExtendTimeout is { } extend) Post(ServiceEvent.ExtendBy(extend));
        // RELOADING=1 before READY=1: a message saying both is a whole reload, begun and done.
        if (m.Reloading) Post(ServiceEvent.ReloadingNotified);
        if (m.Ready) Post(ServiceEvent.Readied);
        if (m.Stopping)
        {
            if (_fsm.State is ServiceState.Running or ServiceState.Reload) (_jobVerb, _jobUid) = ("stop the service announced (STOPPING=1)", null);
            Post(ServiceEvent.StoppingNotified);
        }
        if (m.WatchdogTrigger) FireWatchdog(triggered: true);
        if (m.FdStoreRemove) RemoveStored(pid, m.FdName);
        if (m.FdStore) Store(pid, m.FdName, fds);
        else foreach (int fd in fds) if (fd >= 0) Descriptors.Close(fd);
        return true;
    }

    /// <summary>Why NotifyAccess= does not let this process speak; null when it may.</summary>
    private string? Refusal(int pid) => Unit.NotifyAccess switch
    {
        NotifyAccess.None => "NotifyAccess=none",
        NotifyAccess.Main when pid != _main?.Pid => $"NotifyAccess=main, and it is not the main process ({MainWord()})",
        NotifyAccess.Exec when pid != _main?.Pid && pid != _control?.Pid => $"NotifyAccess=exec, and it is neither the main process ({MainWord()}) nor a control process",
        _ => null,
    };

    private string MainWord() => _main is { } m ? $"pid {m.Pid}" : "none now";

    /// <summary>MAINPID=: a process of the unit's cgroup becomes its main process (the daemon a starter forked, say).</summary>
    private void TakeMainPid(int pid, int sender)
    {
        if (_main?.Pid == pid) return;
        bool inCgroup = _cgroup is not null && _ctx.Cgroups.ReadPids(_cgroup).Contains(pid);
        if ((inCgroup ? _ctx.Processes.Open(pid) : null) is not { } handle)
        {
            _notifyRefused++;
            _notifyLastRefused = $"MAINPID={pid} from pid {sender}: {(inCgroup ? "it has ended" : "it is not a process of the unit's cgroup")}";
            _ctx.Notifications.Refused(NotifyCounters.BadMainPid);
            return;
        }
        // Not necessarily our child: its exit comes from the process connector, as a taken-over main's does.
        _main = handle;
        _lastMainPid = pid;
        _lastMainExit = null;
        _ctx.Tracker.TrackRunning(pid, Unit.Name, Core.Deaths.ProcessRoles.Main);
        _ctx.Tracker.WatchExit(pid, status => OnProcessExit(handle, status));
    }

    /// <summary>(Re)arms the watchdog for <see cref="WatchdogInterval"/> from now; disarms it when there is none.</summary>
    private void ArmWatchdog()
    {
        var interval = WatchdogInterval;
        if (interval <= TimeSpan.Zero || _main is null) DisarmWatchdog();
        else _watchdogTimer.Arm(interval, () => FireWatchdog(triggered: false));
    }

    /// <summary>The signals the watchdog sends are the watchdog's, not the start's or a stop's: the death records say so.</summary>
    private void FireWatchdog(bool triggered)
    {
        if (_fsm.State is ServiceState.Start or ServiceState.StartPost or ServiceState.Running or ServiceState.Reload)
            (_jobVerb, _jobUid) = ("watchdog", null);
        Post(ServiceEvent.Watchdog(triggered));
    }

    private void DisarmWatchdog() => _watchdogTimer.Disarm();

    /// <summary>A new run says nothing yet: its status, errno and watchdog interval are its own.</summary>
    private void ForgetNotifications()
    {
        _statusText = null;
        _statusErrno = null;
        _watchdogOverride = null;
        DisarmWatchdog();
    }
}
