namespace Corral.Cli;

/// <summary>One verb of the CLI: how it is called, what it does, and systemctl's name for it, if any.</summary>
internal sealed record VerbInfo(string Name, string Synopsis, string Summary, string? Systemctl = null);

/// <summary>Every verb, for the usage text, <c>help VERB</c> and the "did you mean" of a mistyped verb.</summary>
internal static class VerbTable
{
    public static readonly IReadOnlyList<VerbInfo> All =
    [
        new("daemon", "daemon [--units DIR]... [--socket PATH] [--socket-group GROUP] [--state-dir DIR] [--log-dir DIR] [--cgroup-root PATH|self] [--cgroup-layout auto|unified] [--no-tracing] [--no-default-target] [--event-retention N] [--monitor-interval SPAN] [--pid-pressure PERCENT] [--proc-events-buffer SIZE] [--http ADDRESS:PORT [--http-token-file FILE] [--http-host NAME]...]",
            "runs the supervisor in the foreground; --http serves the page, /metrics and the API over TCP"),
        new("init", "init [--units DIR]... [--grace SPAN] [--termination-log PATH] [--socket PATH] [--state-dir DIR] [--log-dir DIR] [--cgroup-root PATH|self] [--no-tracing] [--] CMD ARGS...",
            "a container's init (PID 1): CMD runs as main.service, orphans are reaped, signals handed on, SIGTERM stops all within the grace, the exit code is CMD's (docs/init.md)"),
        new("list", "list [--json] [--no-legend]", "every unit: load, active and sub state, description"),
        new("list-units", "list-units [PATTERN...] [--state=STATE[,STATE]] [--all] [--json] [--no-legend]",
            "units that are active, failed or did not load (--all: every unit), by glob pattern and state", "list-units"),
        new("status", "status [UNIT...] [--json]", "the unit as systemctl status shows it (without a unit: the machine and one line per unit); exit 0 active, 3 not active, 4 no such unit", "status"),
        new("show", "show UNIT... [-p PROP[,PROP]]... [--value] [--json]", "KEY=VALUE properties, as systemctl show prints them", "show"),
        new("cat", "cat UNIT...", "the unit's file and its drop-ins, each under a '# PATH' line", "cat"),
        new("edit", "edit UNIT [--full]", "edits a drop-in (NAME.service.d/override.conf) with $EDITOR, or the unit file itself with --full, checks it and reloads", "edit"),
        new("is-active", "is-active UNIT... [-q]", "prints each unit's active state; exit 0 if one is active or reloading, 3 otherwise, 4 if none exists", "is-active"),
        new("is-failed", "is-failed UNIT... [-q]", "prints each unit's active state; exit 0 if one has failed, 1 otherwise, 4 if none exists", "is-failed"),
        new("start", "start UNIT...", "starts; returns when running (a oneshot: when finished)", "start"),
        new("stop", "stop UNIT... [--timeout SPAN] [--no-block]", "stops; returns when every process of the unit is gone", "stop"),
        new("restart", "restart UNIT... [--timeout SPAN]", "stop, then start", "restart"),
        new("reload", "reload UNIT...", "runs ExecReload=", "reload"),
        new("isolate", "isolate TARGET", "starts the target and what it pulls in, stops every other unit (AllowIsolate=yes targets only)", "isolate"),
        new("enable", "enable UNIT... [--now]", "links the units as their [Install] says, in Corral's state; --now also starts them", "enable"),
        new("disable", "disable UNIT... [--now]", "removes the units' links; --now also stops them", "disable"),
        new("reenable", "reenable UNIT... [--now]", "disable, then enable", "reenable"),
        new("is-enabled", "is-enabled UNIT... [-q]", "enabled, disabled or static; exit 0 if one is enabled or static", "is-enabled"),
        new("get-default", "get-default", "the target default.target names: what the daemon starts at its start", "get-default"),
        new("set-default", "set-default TARGET", "makes default.target that target", "set-default"),
        new("list-timers", "list-timers [PATTERN...] [--all] [--json] [--no-legend]",
            "active timers (--all: every loaded one): next elapse and time left, last trigger and time passed, the unit each starts", "list-timers"),
        new("list-sockets", "list-sockets [PATTERN...] [--all] [--json] [--no-legend]",
            "the addresses of active socket units (--all: every loaded one), each with its unit and the service it starts", "list-sockets"),
        new("list-jobs", "list-jobs [--json] [--no-legend]", "the jobs in flight, and what each waits for", "list-jobs"),
        new("list-dependencies", "list-dependencies [UNIT] [--reverse] [--all] [--json]", "the tree of units UNIT pulls in (--reverse: that pull it in)", "list-dependencies"),
        new("kill", "kill UNIT... [-s SIGNAL] [--kill-whom=main|control|all]", "a signal to the main, control or every process, once each", "kill"),
        new("freeze", "freeze UNIT...", "stops every process of the unit at once with the cgroup freezer", "freeze"),
        new("thaw", "thaw UNIT...", "lets a frozen unit run again", "thaw"),
        new("reset-failed", "reset-failed [UNIT...]", "failed units become inactive; their start-rate windows start afresh", "reset-failed"),
        new("daemon-reload", "daemon-reload", "rereads the unit directories; running services keep running", "daemon-reload"),
        new("daemon-reexec", "daemon-reexec", "the daemon re-executes its program from disk (after an upgrade); services keep running, nothing is lost", "daemon-reexec"),
        new("verify", "verify FILE...", "loads unit files (and their drop-ins) without a daemon and prints every finding", "systemd-analyze verify"),
        new("why", "why UNIT [-n N] [--all] [--json]", "the last death(s) of the main process (--all: any process) and their cause"),
        new("events", "events [--unit U] [--cause CAUSE[,CAUSE]] [--since TIME] [-n N] [-f] [--all] [--json] [--deaths|--notices]",
            "deaths and notices by time; clean exits of processes other than main and control only with --all"),
        new("logs", "logs UNIT [-n N] [-f] [--since TIME] [--json]", "the service's output, each line with its time and stream", "journalctl -u"),
        new("ps", "ps UNIT [--json] | ps --machine [-n N] [--json]", "the unit's process tree with state, user, RSS, OOM score; --machine: the machine's first OOM victims and their units"),
        new("security", "security [UNIT...] [--json] [--threshold N] [--no-legend]",
            "each service's exposure as systemd-analyze security scores it, check by check, and as Corral runs it on this host (what it does not enforce, and why)", "systemd-analyze security"),
        new("help", "help [VERB]", "this text, or one verb's", "help"),
    ];

    public static VerbInfo? Find(string name) => All.FirstOrDefault(v => v.Name == name);

    public static string Usage =>
        "usage: corral [--socket PATH] [--no-pager] [-q] [--no-legend] VERB [ARGS]   (corral --version)\n"
        + string.Concat(All.Select(v => $"  {v.Synopsis}\n"))
        + "The socket is also taken from CORRAL_SOCKET (default /run/corral/corral.sock). 'corral help VERB' says more.";

    /// <summary>The verb nearest to a mistyped one (fewest single-letter edits), if it is near enough to be meant.</summary>
    public static string? Closest(string typed)
    {
        var best = All.Select(v => (v.Name, Distance: Distance(typed, v.Name))).OrderBy(x => x.Distance).First();
        return best.Distance <= Math.Max(2, typed.Length / 3) ? best.Name : null;
    }

    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
