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
}

/// <summary>What the runner knows of the processes when an event is handled, and the monotonic time in ms.</summary>
public readonly record struct ServiceFacts(bool MainAlive, bool ControlAlive, bool CgroupEmpty, long NowMs = 0);
