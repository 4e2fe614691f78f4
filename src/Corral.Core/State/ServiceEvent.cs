namespace Corral.Core.State;

public enum ServiceEventKind
{
    /// <summary>start requested</summary>
    Start,
    /// <summary>stop requested; <see cref="ServiceEvent.StopTimeout"/> may override TimeoutStopSec= for this stop</summary>
    Stop,
    Reload,
    /// <summary>the main process has been spawned (exec succeeded) or, for forking, read from PIDFile=</summary>
    MainStarted,
    /// <summary>a spawn or PID-file step failed; <see cref="ServiceEvent.Result"/> says how</summary>
    StartFailed,
    MainExited,
    ControlExited,
    CgroupEmpty,
    Timeout,
    /// <summary>reset-failed: forget a failure and the start-rate window</summary>
    ResetFailed,
    /// <summary>a daemon restarted after its own death takes over a run it finds (see ServiceEvent.Adopted)</summary>
    Adopt,
    /// <summary>READY=1 from a process NotifyAccess= lets speak: the service has started (or finished reloading)</summary>
    Ready,
    /// <summary>RELOADING=1: the service reloads, until its next READY=1</summary>
    Reloading,
    /// <summary>STOPPING=1: the service is stopping of its own accord</summary>
    Stopping,
    /// <summary>WatchdogSec= passed without WATCHDOG=1, or the service sent WATCHDOG=trigger</summary>
    WatchdogTimeout,
    /// <summary>EXTEND_TIMEOUT_USEC=: the state's timeout is not to fire before <see cref="ServiceEvent.Extend"/> from now</summary>
    ExtendTimeout,
}

public sealed record ServiceEvent(ServiceEventKind Kind, ExitStatus? Status = null, TimeSpan? StopTimeout = null, ServiceResult Result = ServiceResult.Success, bool OomKilled = false)
{
    /// <summary>For Adopt: the state the run was in (running, or waiting to restart) and its restart count.</summary>
    public ServiceState AdoptAs { get; init; }
    public int Restarts { get; init; }
    public static ServiceEvent Adopted(ServiceState state, int restarts, ServiceResult result) =>
        new(ServiceEventKind.Adopt, Result: result) { AdoptAs = state, Restarts = restarts };
    public static readonly ServiceEvent StartRequest = new(ServiceEventKind.Start);
    public static readonly ServiceEvent ReloadRequest = new(ServiceEventKind.Reload);
    public static readonly ServiceEvent Started = new(ServiceEventKind.MainStarted);
    public static readonly ServiceEvent Empty = new(ServiceEventKind.CgroupEmpty);
    public static readonly ServiceEvent TimedOut = new(ServiceEventKind.Timeout);
    public static readonly ServiceEvent ResetFailedRequest = new(ServiceEventKind.ResetFailed);
    public static ServiceEvent StopRequest(TimeSpan? timeout = null) => new(ServiceEventKind.Stop, StopTimeout: timeout);
    /// <param name="oomKilled">the service's OOM counter rose when the main process died of SIGKILL</param>
    public static ServiceEvent MainExit(ExitStatus s, bool oomKilled = false) => new(ServiceEventKind.MainExited, s, OomKilled: oomKilled);
    public static ServiceEvent ControlExit(ExitStatus s) => new(ServiceEventKind.ControlExited, s);
    public static ServiceEvent Failed(ServiceResult r) => new(ServiceEventKind.StartFailed, Result: r);
    public static readonly ServiceEvent Readied = new(ServiceEventKind.Ready);
    public static readonly ServiceEvent ReloadingNotified = new(ServiceEventKind.Reloading);
    public static readonly ServiceEvent StoppingNotified = new(ServiceEventKind.Stopping);
    /// <param name="triggered">the service asked for it (WATCHDOG=trigger) rather than missing its ping</param>
    public static ServiceEvent Watchdog(bool triggered) => new(ServiceEventKind.WatchdogTimeout) { Triggered = triggered };
    public static ServiceEvent ExtendBy(TimeSpan extend) => new(ServiceEventKind.ExtendTimeout) { Extend = extend };
    /// <summary>For ExtendTimeout: how long from now the state's timeout may not fire.</summary>
    public TimeSpan Extend { get; init; }
    /// <summary>For WatchdogTimeout: WATCHDOG=trigger rather than a missed ping.</summary>
    public bool Triggered { get; init; }
}

/// <summary>What the runner knows of the processes when an event is handled, and the monotonic time in ms.</summary>
public readonly record struct ServiceFacts(bool MainAlive, bool ControlAlive, bool CgroupEmpty, long NowMs = 0);
