namespace Corral.Daemon.Wire;

/// <summary>A unit as the API reports it to status, show and list.</summary>
public sealed record UnitStatus
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    public IReadOnlyList<string> Documentation { get; init; } = [];
    /// <summary>loaded, error (the file has errors), not-found (the file is gone but the unit still runs).</summary>
    public required string LoadState { get; init; }
    public string? LoadError { get; init; }
    public required string ActiveState { get; init; }
    public required string SubState { get; init; }
    public string? FragmentPath { get; init; }
    /// <summary>The unit's job now, in words ("start, waiting for db.service"); null when it has none.</summary>
    public string? Job { get; init; }
    /// <summary>enabled, disabled, static, alias, linked, generated (built into Corral): what is-enabled prints.</summary>
    public string? UnitFileState { get; init; }
    /// <summary>Requires=, Wants=, After= … and their inverses (RequiredBy=, WantedBy= …), as systemctl show names them.</summary>
    public Dictionary<string, List<string>> Dependencies { get; init; } = [];
    /// <summary>The drop-ins applied on top of the fragment, in order.</summary>
    public List<string> DropInPaths { get; init; } = [];
    /// <summary>systemd's FreezerState: running, freezing, frozen or thawing.</summary>
    public string FreezerState { get; init; } = "running";
    public DateTimeOffset? StateSince { get; init; }
    public int MainPid { get; init; }
    public string? MainCommand { get; init; }
    public int ControlPid { get; init; }
    public int ExecMainPid { get; init; }
    /// <summary>1 exited, 2 killed, 3 dumped; 0 when the main process has not ended yet.</summary>
    public int ExecMainCode { get; init; }
    public int ExecMainStatus { get; init; }
    public string? ExecMainText { get; init; }
    public string Result { get; init; } = "success";
    public string? CGroup { get; init; }
    public ulong? TasksCurrent { get; init; }
    public ulong? TasksMax { get; init; }
    public ulong? MemoryCurrent { get; init; }
    public ulong? MemoryMax { get; init; }
    public string KillMode { get; init; } = "control-group";
    public int KillSignal { get; init; } = 15;
    public int FinalKillSignal { get; init; } = 9;
    public bool SendSigkill { get; init; } = true;
    public bool SendSighup { get; init; }
    /// <summary>Microseconds; null is infinity.</summary>
    public long? TimeoutStartUSec { get; init; }
    public long? TimeoutStopUSec { get; init; }
    public string Type { get; init; } = "simple";
    public string Restart { get; init; } = "no";
    /// <summary>The delay before the next automatic restart (RestartSec=, grown by RestartSteps=), in µs.</summary>
    public long? RestartUSec { get; init; }
    public int NRestarts { get; init; }
    /// <summary>STATUS= from the service's notifications (sd_notify), as systemctl's StatusText.</summary>
    public string? StatusText { get; init; }
    public int StatusErrno { get; init; }
    public string NotifyAccess { get; init; } = "none";
    /// <summary>WatchdogSec= in µs; 0 when there is no watchdog.</summary>
    public long? WatchdogUSec { get; init; }
    /// <summary>The unit's notifications refused (NotifyAccess=, a MAINPID= outside its cgroup) since the daemon started, and the last in words.</summary>
    public int NotifyRefused { get; init; }
    public string? NotifyLastRefused { get; init; }
    /// <summary>systemd directives the unit sets that Corral does not enforce yet ("ProtectSystem=" …): it runs without them.</summary>
    public List<string> RunsWithout { get; init; } = [];
    /// <summary>The last start job's unmet Condition*= (or ExecCondition=) and Assert*=, in words, and when they were tested.</summary>
    public string? UnmetCondition { get; init; }
    public string? UnmetAssert { get; init; }
    public DateTimeOffset? ConditionAt { get; init; }
    /// <summary>What this run's spawns could not give as asked (a limit lowered to the most the daemon may grant).</summary>
    public List<string> SpawnWarnings { get; init; } = [];
    public string? LastError { get; init; }
    public List<int> LeftOver { get; init; } = [];
    public List<ProcessInfo> Processes { get; init; } = [];
    /// <summary>Zombies of the service grouped by the parent that does not reap them.</summary>
    public List<ZombieGroup> Zombies { get; init; } = [];
    /// <summary>[X-Corral] ZombieMax=; null when there is no limit.</summary>
    public int? ZombieMax { get; init; }
    /// <summary>Processes of the service that left its cgroup, and where they are now.</summary>
    public List<Escapee> Escaped { get; init; } = [];
    /// <summary>Limits the unit sets that this host cannot enforce, each with why.</summary>
    public List<NotEnforcedLimit> NotEnforced { get; init; } = [];

    /// <summary>False when the unit's limit of that directive ("MemoryMax", "TasksMax") cannot be enforced here.</summary>
    public bool IsEnforced(string directive) => !NotEnforced.Any(n => n.Directive == directive);
    /// <summary>Bytes of the service's output dropped since the daemon started because its log could not be written (a full disk).</summary>
    public long LogBytesLost { get; init; }
    /// <summary>What started the current (or last) run when it was not a request: "nightly.timer, due Thu 2026-12-03 03:00:00 UTC".</summary>
    public string? StartedBy { get; init; }
    /// <summary>The fd store: descriptors the service handed over (FDSTORE=1) now, and the most it may.</summary>
    public int NFileDescriptorStore { get; init; }
    public int FileDescriptorStoreMax { get; init; }
    /// <summary>When the unit last left inactive, and last became inactive (systemd's InactiveExitTimestamp=, InactiveEnterTimestamp=).</summary>
    public DateTimeOffset? InactiveExitTimestamp { get; init; }
    public DateTimeOffset? InactiveEnterTimestamp { get; init; }
    /// <summary>The timers that start this unit (systemd's TriggeredBy=).</summary>
    public List<string> TriggeredBy { get; init; } = [];
    /// <summary>A socket unit's addresses and what it starts; null for other units.</summary>
    public SocketInfo? Socket { get; init; }
    /// <summary>A timer's schedule; null for other units.</summary>
    public TimerInfo? Timer { get; init; }
}

public sealed record Escapee(int Pid, string Comm, string Cgroup);

/// <summary>A limit this host cannot enforce: its directive ("MemoryMax") and the sentence ("MemoryMax=100M not enforced: no memory controller in …").</summary>
public sealed record NotEnforcedLimit(string Directive, string Message);

/// <summary>One process of a service as ps shows it; State is /proc's letter (R, S, D, T, Z …).</summary>
public sealed record ProcessInfo(int Pid, int Ppid, string Comm, string Cmdline)
{
    public string State { get; init; } = "?";
    public int? Uid { get; init; }
    public string? User { get; init; }
    public long? RssKb { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    /// <summary>/proc/PID/oom_score: the kernel's badness, 0–2000; the highest is killed first when memory runs out.</summary>
    public int? OomScore { get; init; }
    /// <summary>/proc/PID/oom_score_adj, -1000 (never) to 1000.</summary>
    public int? OomScoreAdj { get; init; }
}

/// <summary>A zombie factory: a parent, how many exited children it has not reaped, and since when the oldest waits.</summary>
public sealed record ZombieGroup(int ParentPid, string ParentComm, int Count, DateTimeOffset OldestSince);

/// <summary>The answer to a job (start, stop, restart, reload, kill) or any error.</summary>
public sealed record JobResponse(bool Ok, string? Error, List<int>? LeftOver = null, int Signalled = 0, List<Escapee>? Escaped = null)
{
    /// <summary>What went wrong beside the job without failing it; the CLI prints each on stderr.</summary>
    public List<string>? Warnings { get; init; }
    /// <summary>What enable, disable and set-default changed, in systemctl's words ("Created symlink A → B.").</summary>
    public List<string>? Changes { get; init; }
}

public sealed record UnitList(List<UnitStatus> Units)
{
    /// <summary>The machine's process table and the daemon's event counters (in the list of every unit only).</summary>
    public MachineStatus? Machine { get; init; }
}

/// <summary>
/// The process table against its limits (threads take pids too, see ProcessTableUse), the share past
/// which Corral raises a pid-pressure notice, and what the daemon's process monitor has seen and lost.
/// </summary>
public sealed record MachineStatus(int Processes, long Threads, long PidMax, long ThreadsMax, double Share, double PressureShare, bool UnderPressure)
{
    public long ProcEvents { get; init; }
    public long ConnectorOverruns { get; init; }
    public long ExitsLost { get; init; }
    public long Rescans { get; init; }
    /// <summary>Health-monitor passes completed since the daemon started (a test waits for ticks by it, not by the clock).</summary>
    public long MonitorTicks { get; init; }
}

public sealed record ReloadResponse(bool Ok, List<string> Diagnostics);

public sealed record NoticeList(List<Notices.Notice> Notices);

/// <summary>One line of a service's output: when it was read (µs since the epoch, the cursor for -f), its stream, its text.</summary>
public sealed record LogEntry(long Usec, DateTimeOffset Time, string Stream, string Message);

public sealed record LogList(List<LogEntry> Lines);

/// <summary>A process the OOM killer may pick: its score, and the unit (of this daemon) or cgroup it is in.</summary>
public sealed record OomCandidate(int Pid, string Comm, string Cmdline, int OomScore, int OomScoreAdj, long RssKb, string Cgroup, string? Unit)
{
    public string? User { get; init; }
}

public sealed record OomCandidateList(List<OomCandidate> Processes);

/// <summary>What a timer is set to do and when: list-timers' columns and status's Trigger: line.</summary>
public sealed record TimerInfo
{
    public required string Unit { get; init; }
    /// <summary>Each trigger as written: "OnCalendar=*-*-* 03:00:00", "OnBootSec=15min".</summary>
    public List<string> Triggers { get; init; } = [];
    /// <summary>The next elapse (with its random delay), while it waits; null otherwise.</summary>
    public DateTimeOffset? NextElapse { get; init; }
    public DateTimeOffset? LastTrigger { get; init; }
    public bool Persistent { get; init; }
    public long AccuracyUSec { get; init; }
    public long RandomizedDelayUSec { get; init; }
    public bool RemainAfterElapse { get; init; } = true;
}

/// <summary>What a socket unit listens on and starts: list-sockets' columns and status's Listen: lines.</summary>
public sealed record SocketInfo
{
    public required string Service { get; init; }
    public List<SocketListen> Listen { get; init; } = [];
    /// <summary>How many times it started its service, and the last cause ("ssh.socket: connection from 127.0.0.1:53412 to [::]:22").</summary>
    public int Triggers { get; init; }
    public string? LastTrigger { get; init; }
    public string FileDescriptorName { get; init; } = "";
    public bool Accept { get; init; }
    /// <summary>Accept=yes: connections taken, served now, refused for a limit (systemd's NAccepted, NConnections, NRefused).</summary>
    public long Accepted { get; init; }
    public int Connections { get; init; }
    public long Refused { get; init; }
}

/// <summary>One listening address ("[::]:22", "/run/app.sock") and its type (Stream, Datagram, SequentialPacket, FIFO).</summary>
public sealed record SocketListen(string Address, string Type);
