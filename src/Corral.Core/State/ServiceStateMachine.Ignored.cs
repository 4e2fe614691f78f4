using static Corral.Core.State.ServiceState;
using static Corral.Core.State.ServiceEventKind;

namespace Corral.Core.State;

/// <summary>
/// The other half of the table: every (state, event) pair that has no transition, with the reason
/// it changes nothing. Together with <see cref="Table"/> it covers every pair (a test enumerates
/// them); Handle refuses a pair found in neither.
/// </summary>
public sealed partial class ServiceStateMachine
{
    private static readonly ServiceState[] Starting = [Condition, StartPre, ServiceState.Start, StartPost];
    private static readonly ServiceState[] Stopping = [ServiceState.Stop, StopSigterm, StopSigkill, StopPost, FinalSigkill, StopWatchdog];
    private static readonly ServiceState[] NoRun = [Dead, Failed, AutoRestart];

    /// <summary>The reason each pair without a transition changes nothing.</summary>
    internal static readonly IReadOnlyDictionary<(ServiceState, ServiceEventKind), string> Ignored = BuildIgnored();

    /// <summary>Whether the pair has a transition (else it is ignored, for the reason <see cref="Ignored"/> gives).</summary>
    internal static bool HasTransition(ServiceState state, ServiceEventKind kind) => Table.ContainsKey((state, kind));

    private static Dictionary<(ServiceState, ServiceEventKind), string> BuildIgnored()
    {
        var ignored = new Dictionary<(ServiceState, ServiceEventKind), string>();
        void Ignore(ServiceEventKind kind, IEnumerable<ServiceState> states, string reason)
        {
            foreach (var s in states)
                if (!Table.ContainsKey((s, kind))) ignored.Add((s, kind), reason);
        }

        Ignore(ServiceEventKind.Start, [.. Starting, Running, ServiceState.Reload, Exited],
            "a run is starting or running: the start job joins it (AdmitStart answers it at once)");
        Ignore(ServiceEventKind.Start, Stopping,
            "the service is stopping: the start job is refused before it reaches the table (AdmitStart), to be asked again once stopped");

        Ignore(ServiceEventKind.Stop, [Dead, Failed],
            "nothing runs: the stop job is done at once (a failed unit stays failed until reset-failed or a start)");
        Ignore(ServiceEventKind.Stop, Stopping,
            "already stopping: the stop under way is the one waited for (a stop asked for still cancels any automatic restart)");

        Ignore(ServiceEventKind.Reload, [.. NoRun, .. Starting, ServiceState.Reload, .. Stopping],
            "only a running service reloads; the reload job is answered by the runner from the state");

        Ignore(MainStarted, Enum.GetValues<ServiceState>(),
            "only the start phase spawns a main process or reads one from PIDFile=");
        Ignore(StartFailed, Enum.GetValues<ServiceState>(),
            "only the start phase's spawn or PID-file step fails this way");

        Ignore(MainExited, [Condition, StartPre], "no main process exists before ExecStart=: this exit is of a run that is over");
        Ignore(MainExited, [AutoRestart],
            "the run is over and the restart not begun: a main process reaped this late belongs to the finished run, whose record is written");

        Ignore(ControlExited, [.. NoRun, Running, Exited],
            "no control process runs in this state: the exit of one from a finished phase changes nothing");

        Ignore(CgroupEmpty, [.. NoRun, .. Starting, ServiceState.Reload, ServiceState.Stop, StopPost, Exited],
            "emptiness decides only while signals wait for processes to go (stop-sigterm, stop-sigkill, final-sigkill) or once a running service's main process is gone; the control and main exits drive the other states");

        Ignore(ServiceEventKind.Timeout, [Dead, Failed, Running, Exited],
            "no timer is armed in this state: a tick of a timer disarmed since changes nothing");

        Ignore(ResetFailed, Enum.GetValues<ServiceState>(),
            "only a failed unit has a failure to forget (the start-rate window is forgotten in any state, before the table)");

        Ignore(ServiceEventKind.Adopt, Enum.GetValues<ServiceState>(),
            "only a unit with no run of its own (dead, as a daemon starts) takes over a run found alive");

        Ignore(Ready, Enum.GetValues<ServiceState>(),
            "READY=1 ends only a notify service's start or a reload it announced; elsewhere it changes nothing (as in systemd, which only notes it)");
        Ignore(Reloading, Enum.GetValues<ServiceState>(),
            "RELOADING=1 begins a reload only of a running service (or is part of the reload under way)");
        Ignore(ServiceEventKind.Stopping, Enum.GetValues<ServiceState>(),
            "STOPPING=1 is acted on only while the service runs or reloads; starting, it changes nothing, and a stop is already under way otherwise");
        Ignore(WatchdogTimeout, Enum.GetValues<ServiceState>(),
            "the watchdog watches a run from its main process's start until its stop: a firing of a watchdog disarmed since changes nothing");
        Ignore(ExtendTimeout, Enum.GetValues<ServiceState>(),
            "no timeout runs in this state (RuntimeMaxSec= is not supported), so there is none to extend");
        return ignored;
    }
}
