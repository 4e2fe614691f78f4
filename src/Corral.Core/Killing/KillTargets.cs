namespace Corral.Core.Killing;

/// <summary>Which processes of a service one kill operation reaches.</summary>
[Flags]
public enum KillTargets
{
    None = 0,
    Main = 1,
    Control = 2,
    /// <summary>Every process in the service's cgroup, main and control included.</summary>
    Cgroup = 4,
}

/// <summary>
/// A signal to send and to whom. <see cref="SendSighup"/> and <see cref="SendSigcont"/> follow
/// systemd: SIGHUP right after the kill signal when SendSIGHUP=yes, SIGCONT after a catchable
/// signal so that stopped processes can act on it.
/// </summary>
public sealed record KillPlan(KillTargets Targets, int Signal, bool SendSighup, bool SendSigcont)
{
    public static KillPlan ForStop(KillMode mode, int killSignal, bool sendSighup) => mode switch
    {
        KillMode.ControlGroup => new(KillTargets.Cgroup, killSignal, sendSighup, Signals.SignalNames.IsCatchable(killSignal)),
        KillMode.Mixed or KillMode.Process => new(KillTargets.Main | KillTargets.Control, killSignal, sendSighup, Signals.SignalNames.IsCatchable(killSignal)),
        _ => new(KillTargets.None, killSignal, false, false),
    };

    /// <summary>The final, uncatchable stage: mixed reaches the whole cgroup here, process only main and control.</summary>
    public static KillPlan ForFinal(KillMode mode, int finalSignal) => mode switch
    {
        KillMode.ControlGroup or KillMode.Mixed => new(KillTargets.Cgroup, finalSignal, false, Signals.SignalNames.IsCatchable(finalSignal)),
        KillMode.Process => new(KillTargets.Main | KillTargets.Control, finalSignal, false, Signals.SignalNames.IsCatchable(finalSignal)),
        _ => new(KillTargets.None, finalSignal, false, false),
    };

    /// <summary><c>corral kill</c>: --kill-whom=all reaches the whole cgroup whatever KillMode= says, as systemctl does.</summary>
    public static KillPlan ForKillVerb(KillWhom whom, int signal) => whom switch
    {
        KillWhom.Main => new(KillTargets.Main, signal, false, false),
        KillWhom.Control => new(KillTargets.Control, signal, false, false),
        _ => new(KillTargets.Cgroup, signal, false, false),
    };
}
