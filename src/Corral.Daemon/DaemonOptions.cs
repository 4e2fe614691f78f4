namespace Corral.Daemon;

public sealed record DaemonOptions
{
    public IReadOnlyList<string> UnitDirs { get; init; } = ["/etc/corral/units"];
    public string SocketPath { get; init; } = "/run/corral/corral.sock";
    /// <summary>The socket's group, whose members may read; null: root's group (gid 0).</summary>
    public string? SocketGroup { get; init; }
    public string StateDir { get; init; } = "/var/lib/corral";
    /// <summary>Where each service's output goes, as &lt;unit&gt;.log and its rotated backups.</summary>
    public string LogDir { get; init; } = "/var/log/corral";
    /// <summary>Null: a "corral" cgroup under the v2 mount.</summary>
    public string? CgroupRoot { get; init; }

    /// <summary>The <see cref="CgroupRoot"/> that names the cgroup the daemon was started in (delegated to it).</summary>
    public const string SelfCgroup = "self";
    /// <summary>--cgroup-layout unified: the cgroup2 hierarchy alone, even on a hybrid host (its v1 controllers unused).</summary>
    public bool CgroupUnifiedOnly { get; init; }
    public required string ExecutorPath { get; init; }
    /// <summary>Signal tracing through tracefs, for the senders of fatal signals; --no-tracing turns it off.</summary>
    public bool Tracing { get; init; } = true;
    /// <summary>At start, start default.target and so every enabled unit, as a boot does; --no-default-target starts nothing.</summary>
    public bool StartDefaultTarget { get; init; } = true;
    /// <summary>How many death records to keep (the oldest go first).</summary>
    public int EventRetention { get; init; } = 100_000;
    /// <summary>How often the health monitor looks at zombies, escapees, the process table and lost events.</summary>
    public TimeSpan MonitorInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>The share of kernel.pid_max or kernel.threads-max in use past which a pid-pressure notice is raised.</summary>
    public double PidPressureShare { get; init; } = 0.8;
    /// <summary>The process connector's socket receive buffer; events beyond it are dropped by the kernel (then /proc is rescanned).</summary>
    public int ProcEventsBuffer { get; init; } = 32 << 20;
    /// <summary>--http ADDRESS:PORT: the page, /metrics and the API over TCP; null (the default) is off.</summary>
    public System.Net.IPEndPoint? Http { get; init; }
    /// <summary>--http-host NAME (repeatable): names of this machine the HTTP endpoint answers to besides its address.</summary>
    public IReadOnlyList<string> HttpHosts { get; init; } = [];
    /// <summary>--http-token-file: the token actions over HTTP need; None: no action over HTTP.</summary>
    public Web.HttpToken HttpToken { get; init; } = Web.HttpToken.None;
}
