namespace Corral.Daemon;

public sealed record DaemonOptions
{
    public IReadOnlyList<string> UnitDirs { get; init; } = ["/etc/corral/units"];
    public string SocketPath { get; init; } = "/run/corral/corral.sock";
    public string StateDir { get; init; } = "/var/lib/corral";
    /// <summary>Null: a "corral" cgroup under the v2 mount.</summary>
    public string? CgroupRoot { get; init; }
    public required string ExecutorPath { get; init; }
    /// <summary>Signal tracing through tracefs, for the senders of fatal signals; --no-tracing turns it off.</summary>
    public bool Tracing { get; init; } = true;
    /// <summary>How many death records to keep (the oldest go first).</summary>
    public int EventRetention { get; init; } = 100_000;
}
