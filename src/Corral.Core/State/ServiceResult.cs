namespace Corral.Core.State;

/// <summary>systemd's <c>Result=</c>: the first reason a run of the service went wrong, or success.</summary>
public enum ServiceResult
{
    Success, Resources, Protocol, Timeout, ExitCode, Signal, CoreDump, OomKill, StartLimitHit, Watchdog,
    /// <summary>ExecCondition= exited 1–254: the start was skipped. Not a failure: the unit ends inactive, and nothing restarts it.</summary>
    ExecCondition,
}

public static class ServiceResultNames
{
    private static readonly Text.NameTable<ServiceResult> Names = new(
        ("success", ServiceResult.Success), ("resources", ServiceResult.Resources), ("protocol", ServiceResult.Protocol),
        ("timeout", ServiceResult.Timeout), ("exit-code", ServiceResult.ExitCode), ("signal", ServiceResult.Signal),
        ("core-dump", ServiceResult.CoreDump), ("oom-kill", ServiceResult.OomKill), ("start-limit-hit", ServiceResult.StartLimitHit), ("watchdog", ServiceResult.Watchdog), ("exec-condition", ServiceResult.ExecCondition));

    public static string Format(ServiceResult r) => Names.Format(r);

    public static bool TryParse(string text, out ServiceResult r) => Names.TryParse(text, out r);
}
