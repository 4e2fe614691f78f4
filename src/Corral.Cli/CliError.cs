namespace Corral.Cli;

/// <summary>An error for the user: one line on stderr, and the exit code systemctl would give.</summary>
public sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
