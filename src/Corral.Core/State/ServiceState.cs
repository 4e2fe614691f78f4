namespace Corral.Core.State;

/// <summary>A service's sub-state, named as systemd names them in <c>SubState=</c>.</summary>
public enum ServiceState
{
    Dead, StartPre, Start, StartPost, Running, Reload, Stop, StopSigterm, StopSigkill, StopPost, FinalSigkill, Failed,
    /// <summary>A run ended and Restart= asks for another after the restart delay; no process runs.</summary>
    AutoRestart,
}

public static class ServiceStateNames
{
    public static string SubState(ServiceState s) => s switch
    {
        ServiceState.Dead => "dead",
        ServiceState.StartPre => "start-pre",
        ServiceState.Start => "start",
        ServiceState.StartPost => "start-post",
        ServiceState.Running => "running",
        ServiceState.Reload => "reload",
        ServiceState.Stop => "stop",
        ServiceState.StopSigterm => "stop-sigterm",
        ServiceState.StopSigkill => "stop-sigkill",
        ServiceState.StopPost => "stop-post",
        ServiceState.FinalSigkill => "final-sigkill",
        ServiceState.AutoRestart => "auto-restart",
        _ => "failed",
    };

    public static string ActiveState(ServiceState s) => s switch
    {
        ServiceState.Dead => "inactive",
        ServiceState.Failed => "failed",
        ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost or ServiceState.AutoRestart => "activating",
        ServiceState.Running => "active",
        ServiceState.Reload => "reloading",
        _ => "deactivating",
    };

    public static bool IsStopping(ServiceState s) => s is ServiceState.Stop or ServiceState.StopSigterm or ServiceState.StopSigkill
        or ServiceState.StopPost or ServiceState.FinalSigkill;

    public static bool IsStarting(ServiceState s) => s is ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost;

    public static bool IsInactive(ServiceState s) => s is ServiceState.Dead or ServiceState.Failed;

    /// <summary>No run in progress: inactive, or waiting to restart.</summary>
    public static bool HasNoRun(ServiceState s) => IsInactive(s) || s == ServiceState.AutoRestart;
}
