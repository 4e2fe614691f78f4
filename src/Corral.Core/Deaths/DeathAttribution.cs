using Corral.Core.Signals;
using Corral.Core.State;

namespace Corral.Core.Deaths;

/// <summary>
/// Decides the cause of a death from the evidence at hand, in a fixed order, and never guesses:
/// what cannot be told is <see cref="DeathCause.Unknown"/> with the reason the evidence is missing.
/// </summary>
public static class DeathAttribution
{
    /// <summary>Signals a process raises against itself by faulting or aborting.</summary>
    public static bool IsFault(int signal) => signal is SignalNames.SigSegv or SignalNames.SigBus or SignalNames.SigAbrt
        or SignalNames.SigFpe or SignalNames.SigIll or SignalNames.SigTrap or SignalNames.SigSys or 24 /* XCPU */ or 25 /* XFSZ */;

    /// <param name="status">the decoded wait status</param>
    /// <param name="corralKill">the last signal Corral sent this process's service, if it is the one that killed it</param>
    /// <param name="sender">the sender tracing saw for this signal, if any</param>
    /// <param name="noTracingReason">why there is no tracing evidence; null when tracing is running</param>
    /// <param name="daemonPid">Corral's own pid: a traced sender with it is Corral</param>
    /// <param name="kernelSent">tracing saw the kernel generate the signal (a fault, or SI_KERNEL)</param>
    /// <param name="oomKilled">the service's OOM counter rose for this death, or the kernel reported killing it</param>
    public static (DeathCause Cause, string? Reason) Decide(ExitStatus status, CorralKill? corralKill, SignalSender? sender, string? noTracingReason, int daemonPid,
        bool kernelSent = false, bool oomKilled = false)
    {
        if (status.Code == ExitCode.Exited) return (DeathCause.Exit, null);
        if (status.Code == ExitCode.Unknown) return (DeathCause.Unknown, "it ended while the daemon was down; its exit status went to whoever reaped it");
        int sig = status.Value;
        if (oomKilled && sig == SignalNames.SigKill && (sender is null || kernelSent)) return (DeathCause.OomKill, null);
        if (sender is not null && sender.Pid == daemonPid) return (DeathCause.Corral, null);
        if (corralKill is not null && corralKill.Signal == sig && sender is null && !kernelSent) return (DeathCause.Corral, null);
        if (sender is not null) return (DeathCause.Signal, null);
        if (kernelSent || IsFault(sig)) return (DeathCause.Kernel, null);
        return (DeathCause.Unknown, noTracingReason is null
            ? $"sender unknown: tracing saw no {SignalNames.Format(sig)} sent to this process"
            : noTracingReason.StartsWith("in this container", StringComparison.Ordinal) ? $"sender unknown: tracing unavailable {noTracingReason}"
            : $"sender unknown: tracing unavailable: {noTracingReason}");
    }
}
