using Corral.Core.Signals;
using Corral.Core.Units;

namespace Corral.Core.State;

/// <summary>Whether an exit is clean, and if not, which <see cref="ServiceResult"/> it gives (systemd's is_clean_exit).</summary>
public static class ExitClassifier
{
    /// <summary>
    /// A daemon's main process may also end cleanly on SIGHUP, SIGINT, SIGTERM or SIGPIPE; a command
    /// (oneshot main, control process) only by exit 0. SuccessExitStatus= adds to both for the main process.
    /// </summary>
    public static ServiceResult Classify(ExitStatus status, ExitStatusSet success, bool daemonMain)
    {
        // Not seen, so not clean: the run failed in a way nobody can name (systemd has no such case).
        if (status.Code == ExitCode.Unknown) return ServiceResult.Protocol;
        if (status.Code == ExitCode.Exited)
            return status.Value == 0 || success.ExitCodes.Contains(status.Value) ? ServiceResult.Success : ServiceResult.ExitCode;
        if (success.Signals.Contains(status.Value))
            return ServiceResult.Success;
        if (daemonMain && status.Code == ExitCode.Killed &&
            status.Value is SignalNames.SigHup or SignalNames.SigInt or SignalNames.SigTerm or SignalNames.SigPipe)
            return ServiceResult.Success;
        return status.Code == ExitCode.Dumped ? ServiceResult.CoreDump : ServiceResult.Signal;
    }
}
