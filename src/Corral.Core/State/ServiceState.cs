namespace Corral.Core.State;

/// <summary>A service's sub-state, named as systemd names them in <c>SubState=</c>.</summary>
public enum ServiceState
{
    Dead,
    /// <summary>ExecCondition=: a command whose exit 1–254 skips the start (the unit stays inactive, not failed).</summary>
    Condition,
    StartPre, Start, StartPost, Running, Reload, Stop, StopSigterm, StopSigkill, StopPost, FinalSigkill, Failed,
    /// <summary>The watchdog fired: WatchdogSignal= was sent, and the processes have TimeoutStopSec= to go before SIGKILL.</summary>
    StopWatchdog,
    /// <summary>RemainAfterExit=yes: the main process (a oneshot's commands) ended well; the unit stays active until stopped.</summary>
    Exited,
    /// <summary>A run ended and Restart= asks for another after the restart delay; no process runs.</summary>
    AutoRestart,
}

public static class ServiceStateNames
{
    private static readonly Text.NameTable<ServiceState> SubStates = new(
        ("dead", ServiceState.Dead), ("condition", ServiceState.Condition), ("start-pre", ServiceState.StartPre), ("start", ServiceState.Start), ("start-post", ServiceState.StartPost),
        ("running", ServiceState.Running), ("reload", ServiceState.Reload), ("stop", ServiceState.Stop), ("stop-sigterm", ServiceState.StopSigterm),
        ("stop-sigkill", ServiceState.StopSigkill), ("stop-post", ServiceState.StopPost), ("final-sigkill", ServiceState.FinalSigkill),
        ("failed", ServiceState.Failed), ("auto-restart", ServiceState.AutoRestart), ("stop-watchdog", ServiceState.StopWatchdog), ("exited", ServiceState.Exited));

    /// <summary>systemd's SubState= name.</summary>
    public static string SubState(ServiceState s) => SubStates.Format(s);

    public static string ActiveState(ServiceState s) => s switch
    {
        ServiceState.Dead => "inactive",
        ServiceState.Failed => "failed",
        ServiceState.Condition or ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost or ServiceState.AutoRestart => "activating",
        ServiceState.Running or ServiceState.Exited => "active",
        ServiceState.Reload => "reloading",
        _ => "deactivating",
    };

    public static bool IsStopping(ServiceState s) => s is ServiceState.Stop or ServiceState.StopSigterm or ServiceState.StopSigkill
        or ServiceState.StopPost or ServiceState.FinalSigkill or ServiceState.StopWatchdog;

    public static bool IsStarting(ServiceState s) => s is ServiceState.Condition or ServiceState.StartPre or ServiceState.Start or ServiceState.StartPost;

    public static bool IsInactive(ServiceState s) => s is ServiceState.Dead or ServiceState.Failed;

    /// <summary>No run in progress: inactive, or waiting to restart.</summary>
    public static bool HasNoRun(ServiceState s) => IsInactive(s) || s == ServiceState.AutoRestart;
}
