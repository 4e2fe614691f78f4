using Corral.Core.Signals;

namespace Corral.Core.State;

/// <summary>
/// How a process ended, as waitid() reports it: CLD_EXITED=1, CLD_KILLED=2, CLD_DUMPED=3; Unknown
/// when it ended while the daemon was down and its status went to whoever reaped it.
/// </summary>
public enum ExitCode { Unknown = 0, Exited = 1, Killed = 2, Dumped = 3 }

/// <summary>
/// A decoded wait status. An exit with code 137 and a death by SIGKILL are different values:
/// nothing here ever folds a signal into 128+N.
/// </summary>
public readonly record struct ExitStatus(ExitCode Code, int Value)
{
    public static ExitStatus Exited(int code) => new(ExitCode.Exited, code);
    public static ExitStatus Killed(int signal, bool coreDumped = false) => new(coreDumped ? ExitCode.Dumped : ExitCode.Killed, signal);
    /// <summary>Ended while the daemon was down: nobody here saw how.</summary>
    public static readonly ExitStatus Unknown = new(ExitCode.Unknown, 0);

    public bool IsSignal => Code is ExitCode.Killed or ExitCode.Dumped;

    /// <summary>Decodes a raw wait status (what wait(2) and the proc connector report).</summary>
    public static ExitStatus FromRaw(int raw) => (raw & 0x7f) == 0
        ? Exited((raw >> 8) & 0xff)
        : Killed(raw & 0x7f, coreDumped: (raw & 0x80) != 0);

    public string CodeName => Code switch { ExitCode.Exited => "exited", ExitCode.Killed => "killed", ExitCode.Dumped => "dumped", _ => "unknown" };

    public override string ToString() => Code switch
    {
        ExitCode.Exited => $"exited with status {Value}",
        ExitCode.Killed => $"killed by {SignalNames.Format(Value)}",
        ExitCode.Unknown => "ended while the daemon was down (status unknown)",
        _ => $"killed by {SignalNames.Format(Value)} (core dumped)",
    };
}
