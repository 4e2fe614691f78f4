using Corral.Cli.Verbs;

namespace Corral.Cli;

internal static class Program
{
    public const string DefaultSocket = "/run/corral/corral.sock";

    /// <summary>
    /// False in the client binary `corral` (build.sh publishes it with the switch off, and the
    /// compiler then leaves the daemon's code out of it): its start-up rehydrates the types of what
    /// it holds, and the daemon's doubled the time of every CLI call. `corral daemon` execs the full
    /// binary `corral-daemon` beside it instead, in the same process.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.FeatureSwitchDefinition("Corral.DaemonIncluded")]
    private static bool DaemonIncluded => !AppContext.TryGetSwitch("Corral.DaemonIncluded", out bool on) || on;

    public static int Main(string[] args)
    {
        Daemon.DiagnosticWriter.Install();
        TerminalSafeWriter.Install();
        try
        {
            return Run(args);
        }
        catch (CliError e)
        {
            Console.Error.WriteLine($"corral: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Text.Json.JsonException or FormatException or UnauthorizedAccessException)
        {
            // What no verb expected (a truncated answer, a file that vanished): one line, never a stack trace.
            Console.Error.WriteLine($"corral: {e.Message}");
            return 1;
        }
    }

    /// <summary>The client's daemon verb: corral-daemon runs it with the same arguments, in this process.</summary>
    private static int ExecDaemon(string verb, string[] rest)
    {
        string daemon = Path.Combine(AppContext.BaseDirectory, "corral-daemon");
        var e = Linux.ProgramImage.Exec(daemon, ["corral-daemon", verb, .. rest]);
        throw new CliError($"daemon: cannot run {daemon}: {e.Message} (run ./build.sh)");
    }

    private static int Run(string[] args)
    {
        string socket = Environment.GetEnvironmentVariable("CORRAL_SOCKET") is { Length: > 0 } env ? env : DefaultSocket;
        var g = Globals.Take(ref args);
        int i = 0;
        // --socket comes before the verb; the output flags (Globals) anywhere.
        while (i < args.Length && args[i].StartsWith('-'))
        {
            if (args[i] == "--socket" && i + 1 < args.Length) { socket = args[i + 1]; i += 2; }
            else if (args[i].StartsWith("--socket=", StringComparison.Ordinal)) { socket = args[i][9..]; i++; }
            else if (args[i] is "-h" or "--help") { Console.WriteLine(VerbTable.Usage); return 0; }
            else if (args[i] == "--version") return PrintVersion();
            else throw new CliError($"unknown option '{args[i]}' before the verb (corral help lists the options)");
        }
        if (i == args.Length) throw new CliError($"no verb given\n{VerbTable.Usage}");
        string verb = args[i];
        var rest = args[(i + 1)..];
        var client = new ApiClient(socket);
        return verb switch
        {
            "daemon" => DaemonIncluded ? DaemonVerb.Run(rest) : ExecDaemon(verb, rest),
            "init" => DaemonIncluded ? InitVerb.Run(rest) : ExecDaemon(verb, rest),
            "list" => ListVerb.Run(client, "list", ["--all", .. rest], g),
            "list-units" => ListVerb.Run(client, verb, rest, g),
            "status" => StatusVerb.Run(client, rest),
            "show" => ShowVerb.Run(client, rest),
            "cat" => CatVerb.Run(client, rest),
            "edit" => EditVerb.Run(client, rest),
            "is-active" or "is-failed" => IsStateVerb.Run(client, verb, rest, g),
            "start" or "stop" or "restart" or "reload" or "freeze" or "thaw" or "isolate" => JobVerb.Run(client, verb, rest),
            "enable" or "disable" or "reenable" => EnableVerb.Run(client, verb, rest),
            "is-enabled" => IsEnabledVerb.Run(client, rest, g),
            "set-default" => EnableVerb.SetDefault(client, rest),
            "get-default" => EnableVerb.GetDefault(client, rest),
            "list-jobs" => ListJobsVerb.Run(client, rest, g),
            "list-timers" => ListTimersVerb.Run(client, rest, g),
            "list-sockets" => ListSocketsVerb.Run(client, rest, g),
            "list-dependencies" => ListDependenciesVerb.Run(client, rest),
            "kill" => KillVerb.Run(client, rest),
            "daemon-reload" => DaemonReloadVerb.Run(client, rest),
            "daemon-reexec" => DaemonReexecVerb.Run(client, rest),
            "reset-failed" => ResetFailedVerb.Run(client, rest),
            "verify" => VerifyVerb.Run(rest),
            "why" => WhyVerb.Run(client, rest),
            "events" => EventsVerb.Run(client, rest),
            "ps" => PsVerb.Run(client, rest),
            "security" => SecurityVerb.Run(client, rest),
            "logs" => LogsVerb.Run(client, rest),
            "help" => Help(rest),
            "version" => PrintVersion(),
            _ => throw new CliError(VerbTable.Closest(verb) is { } near
                ? $"unknown verb '{verb}'; did you mean '{near}'? (corral help lists every verb)"
                : $"unknown verb '{verb}' (corral help lists every verb)"),
        };
    }

    private static int Help(string[] rest)
    {
        if (rest.Length == 0)
        {
            Console.WriteLine(VerbTable.Usage);
            return 0;
        }
        if (VerbTable.Find(rest[0]) is not { } v)
            throw new CliError(VerbTable.Closest(rest[0]) is { } near
                ? $"help: no verb '{rest[0]}'; did you mean '{near}'?"
                : $"help: no verb '{rest[0]}' (corral help lists every verb)");
        Console.WriteLine($"usage: corral {v.Synopsis}");
        Console.WriteLine($"  {v.Summary}.");
        if (v.Systemctl is { } name) Console.WriteLine($"  systemd: {(name.Contains(' ') ? name : "systemctl " + name)}");
        Console.WriteLine("  More: docs/cli.md");
        return 0;
    }

    private static int PrintVersion()
    {
        var asm = typeof(Program).Assembly;
        string version = asm.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "?";
        Console.WriteLine($"corral {version}");
        Console.WriteLine($"  .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        return 0;
    }
}
