namespace Corral.Core.State;

/// <summary>systemd's <c>Result=</c>: the first reason a run of the service went wrong, or success.</summary>
public enum ServiceResult { Success, Resources, Protocol, Timeout, ExitCode, Signal, CoreDump, OomKill, StartLimitHit }

public static class ServiceResultNames
{
    public static string Format(ServiceResult r) => r switch
    {
        ServiceResult.Success => "success",
        ServiceResult.Resources => "resources",
        ServiceResult.Protocol => "protocol",
        ServiceResult.Timeout => "timeout",
        ServiceResult.ExitCode => "exit-code",
        ServiceResult.Signal => "signal",
        ServiceResult.OomKill => "oom-kill",
        ServiceResult.StartLimitHit => "start-limit-hit",
        _ => "core-dump",
    };
}
