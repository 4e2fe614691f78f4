using Corral.Core.Killing;

namespace Corral.Core.State;

/// <summary>Which Exec*= list a control process comes from.</summary>
public enum ExecPhase { StartPre, Start, StartPost, Reload, Stop, StopPost }

/// <summary>What the state machine asks its runner to do; the runner reports back with events.</summary>
public abstract record ServiceAction
{
    /// <summary>Spawn command <paramref name="Index"/> of Exec<paramref name="Phase"/>= as the control process.</summary>
    public sealed record RunControl(ExecPhase Phase, int Index) : ServiceAction;
    /// <summary>Spawn ExecStart= command <paramref name="Index"/> as the main process; report MainStarted or StartFailed.</summary>
    public sealed record StartMain(int Index) : ServiceAction;
    /// <summary>Type=forking: take the main pid from PIDFile= (or guess it); report MainStarted or StartFailed.</summary>
    public sealed record ReadPidFile : ServiceAction;
    public sealed record Kill(KillPlan Plan) : ServiceAction;
    /// <summary>An automatic restart begins: create the run's cgroup and output pipes, as a start request does.</summary>
    public sealed record PrepareRun : ServiceAction;
    /// <summary>Arm the state's single timer (replacing any armed one); infinity means no timer.</summary>
    public sealed record ArmTimer(TimeSpan After) : ServiceAction;
    /// <summary>The run is over: remove the cgroups if empty, forget main and control.</summary>
    public sealed record Finish(ServiceResult Result) : ServiceAction;
}
