using Corral.Daemon;

namespace Corral.Cli.Verbs;

internal static class DaemonVerb
{
    public static int Run(string[] rest)
    {
        var a = new CliArgs("daemon", rest,
            new Dictionary<string, string> { ["--units"] = "--units", ["--socket"] = "--socket", ["--socket-group"] = "--socket-group", ["--state-dir"] = "--state-dir", ["--log-dir"] = "--log-dir", ["--cgroup-root"] = "--cgroup-root", ["--cgroup-layout"] = "--cgroup-layout", ["--executor"] = "--executor", ["--event-retention"] = "--event-retention",
                ["--monitor-interval"] = "--monitor-interval", ["--pid-pressure"] = "--pid-pressure", ["--proc-events-buffer"] = "--proc-events-buffer",
                ["--http"] = "--http", ["--http-token-file"] = "--http-token-file", ["--http-host"] = "--http-host" },
            new HashSet<string> { "--no-tracing", "--no-default-target" });
        if (a.Positional.Count > 0) throw new CliError($"daemon: unexpected argument '{a.Positional[0]}'");
        string executor = a.Get("--executor") ?? Environment.GetEnvironmentVariable("CORRAL_EXECUTOR") ?? Path.Combine(AppContext.BaseDirectory, "corral-exec");
        if (!File.Exists(executor))
            throw new CliError($"daemon: executor {executor} not found (run ./build.sh, or give --executor PATH)");
        string? root = a.Get("--cgroup-root");
        if (root is not null && !root.StartsWith('/') && root != DaemonOptions.SelfCgroup)
            throw new CliError($"daemon: --cgroup-root '{root}' must be an absolute path, or self (the cgroup the daemon was started in, delegated to it: systemd's Delegate=yes)");
        string layoutChoice = a.Get("--cgroup-layout") ?? "auto";
        if (layoutChoice is not ("auto" or "unified"))
            throw new CliError($"daemon: --cgroup-layout '{layoutChoice}' is not auto (v1 memory and pids hierarchies where mounted) or unified (the cgroup2 hierarchy alone)");
        int retention = 100_000;
        if (a.Get("--event-retention") is { } r && (!int.TryParse(r, out retention) || retention < 1))
            throw new CliError($"daemon: --event-retention '{r}' is not a positive number of records");
        var interval = TimeSpan.FromSeconds(1);
        if (a.Get("--monitor-interval") is { } mi && (!Core.Units.TimeSpanParser.TryParse(mi, out interval) || interval < TimeSpan.FromMilliseconds(10) || interval == TimeSpan.MaxValue))
            throw new CliError($"daemon: --monitor-interval '{mi}' is not a time span of at least 10ms (examples: 1s, 500ms)");
        double pressure = 0.8;
        if (a.Get("--pid-pressure") is { } pp && !TryParsePercent(pp, out pressure))
            throw new CliError($"daemon: --pid-pressure '{pp}' is not a percentage above 0 and at most 100 (examples: 80%, 0.5%)");
        int buffer = 32 << 20;
        if (a.Get("--proc-events-buffer") is { } pb) buffer = ParseBuffer(pb);
        string? socketGroup = a.Get("--socket-group");
        if (socketGroup is not null && Linux.Users.UserDatabase.Load().FindGroup(socketGroup) is null)
            throw new CliError($"daemon: --socket-group '{socketGroup}' is neither a group of /etc/group nor a number");
        System.Net.IPEndPoint? http = null;
        if (a.Get("--http") is { } h && !Daemon.Web.HttpAddress.TryParse(h, out http, out string? httpError))
            throw new CliError($"daemon: {httpError}");
        var hosts = a.GetAll("--http-host");
        if (hosts.Count > 0 && http is null) throw new CliError("daemon: --http-host needs --http ADDRESS:PORT");
        foreach (var name in hosts)
            if (!Daemon.Web.RequestOrigin.IsValidName(name))
                throw new CliError($"daemon: --http-host '{name}' is not a host name (letters, digits, dots and dashes, without port or scheme; example: --http-host corral.example.org)");
        var token = Daemon.Web.HttpToken.None;
        if (a.Get("--http-token-file") is { } tf)
        {
            if (http is null) throw new CliError("daemon: --http-token-file needs --http ADDRESS:PORT");
            try { token = Daemon.Web.HttpToken.Load(tf); }
            catch (ArgumentException e) { throw new CliError($"daemon: {e.Message}"); }
        }
        var options = new DaemonOptions
        {
            UnitDirs = a.GetAll("--units") is { Count: > 0 } dirs ? dirs.Select(Path.GetFullPath).ToList() : ["/etc/corral/units"],
            SocketPath = a.Get("--socket") ?? Environment.GetEnvironmentVariable("CORRAL_SOCKET") ?? Program.DefaultSocket,
            SocketGroup = socketGroup,
            StateDir = a.Get("--state-dir") ?? "/var/lib/corral",
            LogDir = Path.GetFullPath(a.Get("--log-dir") ?? "/var/log/corral"),
            CgroupRoot = root,
            CgroupUnifiedOnly = layoutChoice == "unified",
            ExecutorPath = Path.GetFullPath(executor),
            Tracing = !a.Has("--no-tracing"),
            StartDefaultTarget = !a.Has("--no-default-target"),
            EventRetention = retention,
            MonitorInterval = interval,
            PidPressureShare = pressure,
            ProcEventsBuffer = buffer,
            Http = http,
            HttpToken = token,
            HttpHosts = hosts,
        };
        try
        {
            return DaemonHost.Run(options);
        }
        catch (ArgumentException e) when (e.Message.StartsWith("--http", StringComparison.Ordinal))
        {
            throw new CliError($"daemon: {e.Message}");
        }
        catch (DaemonStartException e)
        {
            throw new CliError($"daemon: {e.Message}");
        }
        catch (Linux.Cgroups.CgroupException e)
        {
            // A cgroup root outside the hierarchy, or one that cannot be made: one line, not a stack trace.
            throw new CliError($"daemon: {e.Message}");
        }
    }

    private static int ParseBuffer(string text)
    {
        try
        {
            var v = Core.Units.LimitValue.ParseBytes(text);
            if (v.Kind == Core.Units.LimitKind.Absolute && v.Value is >= 1024 and <= int.MaxValue) return (int)v.Value;
        }
        catch (Core.Units.UnitValueException) { }
        throw new CliError($"daemon: --proc-events-buffer '{text}' is not a size between 1K and 2G (examples: 64K, 32M)");
    }

    /// <summary>"80%", "80" or "0.5%": a share above 0 and at most 1.</summary>
    public static bool TryParsePercent(string text, out double share)
    {
        share = 0;
        string t = text.Trim().TrimEnd('%');
        if (!double.TryParse(t, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out double pct)
            || pct <= 0 || pct > 100) return false;
        share = pct / 100;
        return true;
    }
}
