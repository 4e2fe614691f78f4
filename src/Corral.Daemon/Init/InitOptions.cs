namespace Corral.Daemon.Init;

/// <summary>What <c>corral init</c> adds to a daemon's options.</summary>
public sealed record InitOptions
{
    /// <summary>The container's command (CMD ARGS…): the unit main.service.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>--grace: how long everything may take to stop after SIGTERM (or after the main unit ended) before SIGKILL.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>--termination-log: where the main unit's end is told in one line; null: nowhere.</summary>
    public string? TerminationLog { get; init; }
}
