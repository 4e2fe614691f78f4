using Corral.Cli.Verbs;

namespace Corral.Cli;

public static class Program
{
    public const string DefaultSocket = "/run/corral/corral.sock";

    public static int Main(string[] args)
    {
        Daemon.DiagnosticWriter.Install();
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

    private static int Run(string[] args)
    {
        string socket = Environment.GetEnvironmentVariable("CORRAL_SOCKET") is { Length: > 0 } env ? env : DefaultSocket;
        int i = 0;
        // Global options come before the verb.
        while (i < args.Length && args[i].StartsWith('-'))
        {
            if (args[i] == "--socket" && i + 1 < args.Length) { socket = args[i + 1]; i += 2; }
            else if (args[i].StartsWith("--socket=", StringComparison.Ordinal)) { socket = args[i][9..]; i++; }
            else if (args[i] is "-h" or "--help") { Console.WriteLine(Usage); return 0; }
            else throw new CliError($"unknown option '{args[i]}' before the verb\n{Usage}");
        }
        if (i == args.Length) throw new CliError($"no verb given\n{Usage}");
        string verb = args[i];
        var rest = args[(i + 1)..];
        var client = new ApiClient(socket);
        return verb switch
        {
            "daemon" => DaemonVerb.Run(rest),
            "list" or "list-units" => ListVerb.Run(client, rest),
            "status" => StatusVerb.Run(client, rest),
            "show" => ShowVerb.Run(client, rest),
            "start" or "stop" or "restart" or "reload" => JobVerb.Run(client, verb, rest),
            "kill" => KillVerb.Run(client, rest),
            "daemon-reload" => DaemonReloadVerb.Run(client, rest),
            "reset-failed" => ResetFailedVerb.Run(client, rest),
            "verify" => VerifyVerb.Run(rest),
            "why" => WhyVerb.Run(client, rest),
            "events" => EventsVerb.Run(client, rest),
            "ps" => PsVerb.Run(client, rest),
            "logs" => LogsVerb.Run(client, rest),
            "help" => PrintUsage(),
            _ => throw new CliError($"unknown verb '{verb}'\n{Usage}"),
        };
    }

    private static int PrintUsage()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    public const string Usage = """
        usage: corral [--socket PATH] VERB [ARGS]
          daemon [--units DIR]... [--socket PATH] [--socket-group GROUP] [--state-dir DIR] [--log-dir DIR] [--cgroup-root PATH] [--cgroup-layout auto|unified] [--no-tracing] [--event-retention N]
                 [--monitor-interval SPAN] [--pid-pressure PERCENT] [--proc-events-buffer SIZE]
                 [--http ADDRESS:PORT [--http-token-file FILE] [--http-host NAME]...]   the web page, /metrics and the API over HTTP
          list [--json]
          status [UNIT] [--json]             exit 0 active, 3 not active, 4 no such unit
          show UNIT [-p PROP[,PROP]] [--value] [--json]
          start UNIT...
          stop UNIT... [--timeout DURATION] [--no-block]
          restart UNIT... | reload UNIT...
          kill UNIT [-s SIGNAL] [--kill-whom=main|control|all]
          daemon-reload
          reset-failed [UNIT...]             failed units become inactive; their start-rate windows start afresh
          verify FILE...
          why UNIT [-n N] [--all] [--json]   the last death(s) of the main process (--all: any process) and their cause
          events [--unit U] [--since TIME] [-n N] [-f] [--json] [--deaths|--notices]
          logs UNIT [-n N] [-f] [--since TIME] [--json]   the service's output, each line with its time and stream
          ps UNIT [--json]                   the unit's process tree: state, pid, ppid, user, RSS, start, command; zombies marked
        The socket is also taken from CORRAL_SOCKET (default /run/corral/corral.sock).
        """;
}
