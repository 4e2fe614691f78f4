using Corral.Core.Sockets;

namespace Corral.Daemon.Sockets;

/// <summary>
/// One socket unit's life, owned by the socket engine's loop. Its states are systemd's: dead
/// (inactive: nothing bound), listening (bound, waiting for the first connection or datagram),
/// running (its service was started and has not ended: the service holds the sockets too),
/// failed (an address could not be bound, or its service could not be started).
/// </summary>
internal sealed class SocketRun(SocketUnit unit, DateTimeOffset since)
{
    public SocketUnit Unit { get; set; } = unit;
    public string Sub { get; set; } = SocketStates.Dead;
    public DateTimeOffset Since { get; set; } = since;
    public string Result { get; set; } = "success";
    /// <summary>One descriptor per Listen*= line, in their order; empty while dead or failed.</summary>
    public List<int> Fds { get; set; } = [];
    public string? LastError { get; set; }
    public string? UnmetCondition { get; set; }
    public int Triggers { get; set; }
    public string? LastTrigger { get; set; }
    /// <summary>Accept=yes: connections taken so far (the instances' numbers), refused for a limit, and the instances serving one now.</summary>
    public long Accepted { get; set; }
    public long Refused { get; set; }
    public Dictionary<string, Served> Serving { get; } = new(StringComparer.Ordinal);

    public bool Active => Sub is SocketStates.Listening or SocketStates.Running;

    public SocketView View() => new(Unit.Name, Sub, Since, Result, LastError, UnmetCondition, Triggers, LastTrigger)
    {
        Connections = Serving.Count, Refused = Refused,
    };
}

public static class SocketStates
{
    public const string Dead = "dead", Listening = "listening", Running = "running", Failed = "failed";

    public static string Active(string sub) => sub switch
    {
        Dead => "inactive",
        Failed => "failed",
        _ => "active",
    };
}

/// <summary>A socket unit as its engine last published it.</summary>
internal sealed record SocketView(string Name, string SubState, DateTimeOffset Since, string Result, string? LastError, string? UnmetCondition,
    int Triggers, string? LastTrigger)
{
    /// <summary>Accept=yes: instances serving a connection now, and connections refused for MaxConnections=/MaxConnectionsPerSource=.</summary>
    public int Connections { get; init; }
    public long Refused { get; init; }

    public string ActiveState => SocketStates.Active(SubState);
}

/// <summary>The listening sockets a service gets (duplicates the caller closes once spawned), and their names for LISTEN_FDNAMES.</summary>
internal sealed record PassedSockets(IReadOnlyList<int> Fds, IReadOnlyList<string> Names)
{
    /// <summary>Accept=yes: the connection (also Fds[0]), for StandardInput=socket and StandardOutput=socket.</summary>
    public int? Connection { get; init; }
}

/// <summary>An active socket unit as one daemon hands it to the next (daemon-reexec, or through the socket holder): how many descriptors, how often it started its service, the last cause.</summary>
public sealed record HandedSocket(int Fds, int Triggers, string? LastTrigger)
{
    /// <summary>Each descriptor's line ("ListenStream=80"), to take it only for a unit that still has it; null from an image that did not say.</summary>
    public List<string>? Listen { get; init; }
}

/// <summary>
/// Accept=yes: one connection and the instance serving it. The engine keeps the connection until the
/// instance's start job is over (its processes have their own copies by then); the instance counts
/// against the limits until it is inactive again.
/// </summary>
internal sealed class Served(int fd, string source)
{
    public int Fd { get; set; } = fd;
    public string Source { get; } = source;
    public bool Started { get; set; }
}
