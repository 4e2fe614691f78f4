namespace Corral.Core.State;

/// <summary>systemd's <c>Restart=</c>: after which endings of a run the service is started again.</summary>
public enum RestartPolicy { No, Always, OnSuccess, OnFailure, OnAbnormal, OnAbort, OnWatchdog }

public static class RestartPolicyNames
{
    private static readonly Text.NameTable<RestartPolicy> Names = new(
        ("no", RestartPolicy.No), ("always", RestartPolicy.Always), ("on-success", RestartPolicy.OnSuccess),
        ("on-failure", RestartPolicy.OnFailure), ("on-abnormal", RestartPolicy.OnAbnormal), ("on-abort", RestartPolicy.OnAbort), ("on-watchdog", RestartPolicy.OnWatchdog));

    public static bool TryParse(string text, out RestartPolicy policy) => Names.TryParse(text, out policy);

    public static string Format(RestartPolicy p) => Names.Format(p);

    public static string All => string.Join(", ", Names.Names);

    /// <summary>
    /// systemd's table (systemd.service(5), "Restart="): a clean exit is Result=success; on-abnormal
    /// is any failure but an unclean exit code; on-abort is an unclean signal or a core dump.
    /// </summary>
    public static bool Restarts(RestartPolicy p, ServiceResult r) => r != ServiceResult.ExecCondition && p switch
    {
        RestartPolicy.Always => true,
        RestartPolicy.OnSuccess => r == ServiceResult.Success,
        RestartPolicy.OnFailure => r != ServiceResult.Success,
        RestartPolicy.OnAbnormal => r is not (ServiceResult.Success or ServiceResult.ExitCode),
        RestartPolicy.OnAbort => r is ServiceResult.Signal or ServiceResult.CoreDump,
        RestartPolicy.OnWatchdog => r == ServiceResult.Watchdog,
        _ => false,
    };
}
