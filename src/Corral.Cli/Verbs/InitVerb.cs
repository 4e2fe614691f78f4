using Corral.Daemon;
using Corral.Daemon.Init;

namespace Corral.Cli.Verbs;

/// <summary>
/// corral init [--units DIR]... [--grace SPAN] [--termination-log PATH] [--socket PATH] [--state-dir DIR]
/// [--log-dir DIR] [--cgroup-root PATH|self] [--no-tracing] [--] CMD ARGS...: a container's init
/// (docs/init.md). The options end at "--" or at the first word that is not one: the rest is the
/// command, untouched.
/// </summary>
internal static class InitVerb
{
    private static readonly HashSet<string> Valued = ["--units", "--grace", "--termination-log", "--socket", "--state-dir", "--log-dir", "--cgroup-root", "--executor"];

    public static int Run(string[] rest)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        bool noTracing = false;
        int i = 0;
        for (; i < rest.Length; i++)
        {
            string a = rest[i];
            if (a == "--") { i++; break; }
            if (!a.StartsWith('-')) break;
            if (a == "--no-tracing") { noTracing = true; continue; }
            string name = a, value;
            int eq = a.IndexOf('=');
            if (eq > 0) (name, value) = (a[..eq], a[(eq + 1)..]);
            else if (Valued.Contains(a) && i + 1 < rest.Length) value = rest[++i];
            else throw new CliError(Valued.Contains(a) ? $"init: {a} needs a value" : $"init: unknown option '{a}' (corral help init)");
            if (!Valued.Contains(name)) throw new CliError($"init: unknown option '{name}' (corral help init)");
            if (!values.TryGetValue(name, out var list)) values[name] = list = [];
            list.Add(value);
        }
        string? Get(string name) => values.TryGetValue(name, out var l) ? l[^1] : null;
        var command = rest[i..];
        if (command.Length == 0) throw new CliError("init: no command given: corral init [OPTIONS] [--] CMD ARGS...");

        var grace = TimeSpan.FromSeconds(10);
        if (Get("--grace") is { } g && (!Core.Units.TimeSpanParser.TryParse(g, out grace) || grace <= TimeSpan.Zero || grace == TimeSpan.MaxValue))
            throw new CliError($"init: --grace '{g}' is not a time span above zero (examples: 10s, 25s, 1min)");
        // Kubernetes mounts the file its termination message is read from; elsewhere nothing is written unless asked.
        string? terminationLog = Get("--termination-log") ?? (File.Exists("/dev/termination-log") ? "/dev/termination-log" : null);
        string executor = Get("--executor") ?? Environment.GetEnvironmentVariable("CORRAL_EXECUTOR") ?? Path.Combine(AppContext.BaseDirectory, "corral-exec");
        if (!File.Exists(executor)) throw new CliError($"init: executor {executor} not found (give --executor PATH)");
        string? root = Get("--cgroup-root") ?? DaemonOptions.SelfCgroup;
        if (!root.StartsWith('/') && root != DaemonOptions.SelfCgroup)
            throw new CliError($"init: --cgroup-root '{root}' must be an absolute path, or self (the container's own cgroup: the default)");
        // No state directory is needed: by default it lives in memory (/dev/shm) and goes with the container.
        string stateDir = Path.GetFullPath(Get("--state-dir") ?? "/dev/shm/corral-init");
        var units = values.GetValueOrDefault("--units") ?? [];
        var options = new DaemonOptions
        {
            UnitDirs = [.. units.Select(Path.GetFullPath)],
            SocketPath = Get("--socket") ?? Environment.GetEnvironmentVariable("CORRAL_SOCKET") ?? Program.DefaultSocket,
            StateDir = stateDir,
            LogDir = Path.GetFullPath(Get("--log-dir") ?? Path.Combine(stateDir, "logs")),
            CgroupRoot = root,
            ExecutorPath = Path.GetFullPath(executor),
            Tracing = !noTracing,
            StartDefaultTarget = units.Count > 0,
        };
        var init = new InitOptions { Command = command, Grace = grace, TerminationLog = terminationLog };
        bool madeState = Get("--state-dir") is null && !Directory.Exists(stateDir);
        try
        {
            return DaemonHost.Run(options, init);
        }
        catch (Exception e) when (e is ArgumentException or DaemonStartException or Linux.Cgroups.CgroupException)
        {
            throw new CliError(e.Message.StartsWith("init:", StringComparison.Ordinal) ? e.Message : $"init: {e.Message}");
        }
        finally
        {
            // The in-memory state made for this container goes with it (never into a mount left inside).
            if (madeState && !File.ReadAllText("/proc/self/mountinfo").Contains(" " + stateDir + "/", StringComparison.Ordinal))
                try { Directory.Delete(stateDir, recursive: true); } catch (IOException) { }
        }
    }
}
