using Corral.Core.Units;

namespace Corral.Core.Sockets;

/// <summary>
/// A loaded socket unit (NAME.socket): addresses Corral binds when the unit starts, before any
/// service, and hands to its service — on the first connection or datagram, or when the service is
/// started itself — as systemd does: from fd 3 on, with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES.
/// </summary>
public sealed record SocketUnit
{
    public required string Name { get; init; }
    public required string FilePath { get; init; }
    public IReadOnlyList<string> DropInPaths { get; init; } = [];
    public string Description { get; init; } = "";
    public UnitDependencies Dependencies { get; init; } = UnitDependencies.None;
    public UnitInstall Install { get; init; } = UnitInstall.None;
    public IReadOnlyList<UnitCondition> Conditions { get; init; } = [];
    public IReadOnlyList<UnitCondition> Asserts { get; init; } = [];
    public required IReadOnlyList<ListenSpec> Listen { get; init; }
    /// <summary>Service=: what it starts; by default the service of its own name.</summary>
    public required string Service { get; init; }
    public bool Accept { get; init; }
    /// <summary>SocketMode= of a Unix socket or FIFO (default 0666); DirectoryMode= of the directories made for it (0755).</summary>
    public int SocketMode { get; init; } = Convert.ToInt32("666", 8);
    public int DirectoryMode { get; init; } = Convert.ToInt32("755", 8);
    public string? SocketUser { get; init; }
    public string? SocketGroup { get; init; }
    /// <summary>Backlog= of listen(2) (systemd's default: SOMAXCONN, 4096 on this kernel).</summary>
    public int Backlog { get; init; } = 4096;
    public bool ReusePort { get; init; }
    /// <summary>BindIPv6Only=: "default" and "both" take IPv4 too on an IPv6 socket; "ipv6-only" does not.</summary>
    public string BindIpv6Only { get; init; } = "default";
    public bool FreeBind { get; init; }
    public bool PassCredentials { get; init; }
    public int? ReceiveBuffer { get; init; }
    public int? SendBuffer { get; init; }
    /// <summary>FileDescriptorName= (LISTEN_FDNAMES); by default the unit's name without ".socket".</summary>
    public required string FileDescriptorName { get; init; }
    public bool RemoveOnStop { get; init; }
    /// <summary>Symlinks=: links made to the first Unix socket or FIFO path (removed at stop).</summary>
    public IReadOnlyList<string> Symlinks { get; init; } = [];
    public int MaxConnections { get; init; } = 64;
    public int MaxConnectionsPerSource { get; init; }
    public bool IgnoreOnIsolate { get; init; }
}
