using Corral.Core.Killing;

namespace Corral.Core.State;

/// <summary>Which Exec*= list a control process comes from.</summary>
public enum ExecPhase { Condition, StartPre, Start, StartPost, Reload, Stop, StopPost }

/// <summary>The one mapping from a phase to its commands, used by the state machine and the runner alike.</summary>
public static class ExecPhaseCommands
{
    public static IReadOnlyList<Units.ExecCommand> Commands(this Units.ServiceUnit unit, ExecPhase phase) => phase switch
    {
        ExecPhase.Condition => unit.ExecCondition,
        ExecPhase.StartPre => unit.ExecStartPre,
        ExecPhase.Start => unit.ExecStart,
        ExecPhase.StartPost => unit.ExecStartPost,
        ExecPhase.Reload => unit.ExecReload,
        ExecPhase.Stop => unit.ExecStop,
        ExecPhase.StopPost => unit.ExecStopPost,
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "not a phase of a service"),
    };
}

/// <summary>What the state machine asks its runner to do; the runner reports back with events.</summary>
public abstract record ServiceAction
{
    /// <summary>Spawn command <paramref name="Index"/> of Exec<paramref name="Phase"/>= as the control process.</summary>
    public sealed record RunControl(ExecPhase Phase, int Index) : ServiceAction;
    /// <summary>Spawn ExecStart= command <paramref name="Index"/> as the main process; report MainStarted or StartFailed.</summary>
    public sealed record StartMain(int Index) : ServiceAction;
    /// <summary>Type=forking: take the main pid from PIDFile= (or guess it); report MainStarted or StartFailed.</summary>
    public sealed record ReadPidFile : ServiceAction;
    /// <summary>Send the plan's signals; <paramref name="Reason"/> says why, in words for the death records.</summary>
    public sealed record Kill(KillPlan Plan, string Reason) : ServiceAction;
    /// <summary>An automatic restart begins: create the run's cgroup and output pipes, as a start request does.</summary>
    public sealed record PrepareRun : ServiceAction;
    /// <summary>Arm the state's single timer (replacing any armed one); infinity means no timer.</summary>
    public sealed record ArmTimer(TimeSpan After) : ServiceAction;
    /// <summary>The run is over: remove the cgroups if empty, forget main and control.</summary>
    public sealed record Finish(ServiceResult Result) : ServiceAction;
}
