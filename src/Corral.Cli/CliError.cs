namespace Corral.Cli;

/// <summary>An error for the user: one line on stderr, and the exit code systemctl would give.</summary>
internal sealed class CliError(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>
    /// The one mapping from the daemon's refusal to the exit code (docs/cli.md's Exit column): 4 for
    /// insufficient privileges whatever the verb; for a unit that does not exist, 4 from a query
    /// (status, cat, show, why, ps, reset-failed: LSB's "unknown"), 5 from a job (start, stop,
    /// restart, reload: "not loaded"), 1 from a signal (kill); 1 for anything else.
    /// </summary>
    public static int ExitCodeFor(int httpStatus, VerbKind kind) => httpStatus switch
    {
        403 => 4,
        404 => kind switch { VerbKind.Query => 4, VerbKind.Job => 5, _ => 1 },
        _ => 1,
    };
}

/// <summary>What a verb does to a unit, for the exit code of a refusal (CliError.ExitCodeFor).</summary>
internal enum VerbKind { Query, Job, Signal }
