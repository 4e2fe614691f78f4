using Corral.Daemon;

namespace Corral.Cli.Verbs;

public static class DaemonVerb
{
    public static int Run(string[] rest)
    {
        var a = new CliArgs("daemon", rest,
            new Dictionary<string, string> { ["--units"] = "--units", ["--socket"] = "--socket", ["--state-dir"] = "--state-dir", ["--cgroup-root"] = "--cgroup-root", ["--executor"] = "--executor", ["--event-retention"] = "--event-retention" },
            new HashSet<string> { "--no-tracing" });
        if (a.Positional.Count > 0) throw new CliError($"daemon: unexpected argument '{a.Positional[0]}'");
        string executor = a.Get("--executor") ?? Environment.GetEnvironmentVariable("CORRAL_EXECUTOR") ?? Path.Combine(AppContext.BaseDirectory, "corral-exec");
        if (!File.Exists(executor))
            throw new CliError($"daemon: executor {executor} not found (run ./build.sh, or give --executor PATH)");
        string? root = a.Get("--cgroup-root");
        if (root is not null && !root.StartsWith('/'))
            throw new CliError($"daemon: --cgroup-root '{root}' must be an absolute path");
        int retention = 100_000;
        if (a.Get("--event-retention") is { } r && (!int.TryParse(r, out retention) || retention < 1))
            throw new CliError($"daemon: --event-retention '{r}' is not a positive number of records");
        var options = new DaemonOptions
        {
            UnitDirs = a.GetAll("--units") is { Count: > 0 } dirs ? dirs.Select(Path.GetFullPath).ToList() : ["/etc/corral/units"],
            SocketPath = a.Get("--socket") ?? Environment.GetEnvironmentVariable("CORRAL_SOCKET") ?? Program.DefaultSocket,
            StateDir = a.Get("--state-dir") ?? "/var/lib/corral",
            CgroupRoot = root,
            ExecutorPath = Path.GetFullPath(executor),
            Tracing = !a.Has("--no-tracing"),
            EventRetention = retention,
        };
        return DaemonHost.Run(options);
    }
}
