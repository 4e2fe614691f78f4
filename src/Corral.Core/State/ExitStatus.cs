using Corral.Core.Signals;

namespace Corral.Core.State;

/// <summary>How a process ended, as waitid() reports it: CLD_EXITED=1, CLD_KILLED=2, CLD_DUMPED=3.</summary>
public enum ExitCode { Exited = 1, Killed = 2, Dumped = 3 }

/// <summary>
/// A decoded wait status. An exit with code 137 and a death by SIGKILL are different values:
/// nothing here ever folds a signal into 128+N.
/// </summary>
public readonly record struct ExitStatus(ExitCode Code, int Value)
{
    public static ExitStatus Exited(int code) => new(ExitCode.Exited, code);
    public static ExitStatus Killed(int signal, bool coreDumped = false) => new(coreDumped ? ExitCode.Dumped : ExitCode.Killed, signal);

    public bool IsSignal => Code != ExitCode.Exited;

    /// <summary>Decodes a raw wait status (what wait(2) and the proc connector report).</summary>
    public static ExitStatus FromRaw(int raw) => (raw & 0x7f) == 0
        ? Exited((raw >> 8) & 0xff)
        : Killed(raw & 0x7f, coreDumped: (raw & 0x80) != 0);

    public string CodeName => Code switch { ExitCode.Exited => "exited", ExitCode.Killed => "killed", _ => "dumped" };

    public override string ToString() => Code switch
    {
        ExitCode.Exited => $"exited with status {Value}",
        ExitCode.Killed => $"killed by {SignalNames.Format(Value)}",
        _ => $"killed by {SignalNames.Format(Value)} (core dumped)",
    };
}
