using Corral.Linux;
using Corral.Linux.Cgroups;

namespace Corral.Daemon.Services;

/// <summary>The daemon-wide machinery every runner uses.</summary>
internal sealed record ServiceContext(
    ICgroupManager Cgroups,
    IServiceProcesses Processes,
    ICgroupWatcher Watcher,
    OutputCollector Output,
    Deaths.ProcessTracker Tracker,
    Deaths.EventStore Store,
    string LogDir,
    RunStore Runs)
{
    /// <summary>Runners tell it of each state event they handled (the web feed listens).</summary>
    public UnitChanges Changes { get; } = new();

    /// <summary>The runners' timers (timeouts, restart delays, start-rate windows) and the time a state began: the system's, a fake in tests.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The daemon's notification socket, given to services as NOTIFY_SOCKET; null: none (their notifications cannot arrive).</summary>
    public string? NotifySocketPath { get; init; }

    /// <summary>Under corral init: every line of output also goes to the container's own output.</summary>
    public Init.ConsoleEcho? Echo { get; init; }

    /// <summary>Where each sandboxed run keeps its private /tmp and namespace pins (STATE/sandbox).</summary>
    public string SandboxRoot { get; init; } = Path.Combine(Path.GetTempPath(), "corral-sandbox");

    /// <summary>DynamicUser=: who holds which uid (STATE/dynamic-uid).</summary>
    public Linux.Users.DynamicUsers DynamicUsers { get; init; } = new(Path.Combine(Path.GetTempPath(), "corral-dynamic-uid"));

    /// <summary>The listening sockets of the socket units that start a service, for its main process (set once the socket engine exists).</summary>
    public Func<string, Sockets.PassedSockets?>? SocketsFor { get; set; }

    /// <summary>Notification messages accepted and refused (/metrics).</summary>
    public NotifyCounters Notifications { get; } = new();
}
