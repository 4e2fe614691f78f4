using Corral.Core.Killing;
using Corral.Core.Signals;

namespace Corral.Core.Units;

/// <summary>A loaded service unit: every directive Corral acts on, with systemd's defaults.</summary>
public sealed record ServiceUnit
{
    public required string Name { get; init; }
    public required string FilePath { get; init; }
    /// <summary>"ProtectSystem=", "After=" …: systemd directives the unit sets that Corral does not enforce yet; it runs without them.</summary>
    public IReadOnlyList<string> RunsWithout { get; init; } = [];
    /// <summary>The not-enforced directives' assignments in the order read (key, value as written): what systemd would do with them, for `corral security`.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> NotEnforcedSettings { get; init; } = [];
    /// <summary>The drop-ins applied on top of <see cref="FilePath"/>, in order.</summary>
    public IReadOnlyList<string> DropInPaths { get; init; } = [];
    public string Description { get; init; } = "";
    /// <summary>[Unit] Wants=, Requires=, After= …, with what the .wants/ and .requires/ directories add.</summary>
    public UnitDependencies Dependencies { get; init; } = UnitDependencies.None;
    /// <summary>[Install]: what enable links the unit into.</summary>
    public UnitInstall Install { get; init; } = UnitInstall.None;
    /// <summary>IgnoreOnIsolate=: isolate leaves it running.</summary>
    public bool IgnoreOnIsolate { get; init; }
    /// <summary>[Unit] Condition*=: all unmet skips a start (the unit stays inactive); in order as written.</summary>
    public IReadOnlyList<UnitCondition> Conditions { get; init; } = [];
    /// <summary>[Unit] Assert*=: one unmet fails the start job (the unit is left as it was).</summary>
    public IReadOnlyList<UnitCondition> Asserts { get; init; } = [];
    public ServiceType Type { get; init; } = ServiceType.Simple;
    public IReadOnlyList<ExecCommand> ExecStart { get; init; } = [];
    /// <summary>ExecCondition=: run before ExecStartPre=; an exit 1–254 skips the start.</summary>
    public IReadOnlyList<ExecCommand> ExecCondition { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStartPre { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStartPost { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStop { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecStopPost { get; init; } = [];
    public IReadOnlyList<ExecCommand> ExecReload { get; init; } = [];
    public string? PidFile { get; init; }
    /// <summary>RemainAfterExit=: once the main process (a oneshot's last command) has ended well, the unit stays active (exited).</summary>
    public bool RemainAfterExit { get; init; }
    /// <summary>Already resolved: none, unless the type is notify or a watchdog is set (then main), as systemd resolves it.</summary>
    public NotifyAccess NotifyAccess { get; init; }
    /// <summary>WatchdogSec=: the longest the service may go without WATCHDOG=1 (zero: no watchdog).</summary>
    public TimeSpan WatchdogSec { get; init; }
    /// <summary>FileDescriptorStoreMax=: how many descriptors the service may hand over with FDSTORE=1 (0: none).</summary>
    public int FileDescriptorStoreMax { get; init; }
    public int WatchdogSignal { get; init; } = SignalNames.SigAbrt;
    /// <summary>ReloadSignal=: what a reload of a Type=notify-reload service sends its main process.</summary>
    public int ReloadSignal { get; init; } = SignalNames.SigHup;
    public KillMode KillMode { get; init; } = KillMode.ControlGroup;
    public int KillSignal { get; init; } = SignalNames.SigTerm;
    public int FinalKillSignal { get; init; } = SignalNames.SigKill;
    public bool SendSigkill { get; init; } = true;
    public bool SendSighup { get; init; }
    /// <summary>Already resolved: systemd's "0 disables" is stored as infinity.</summary>
    public TimeSpan TimeoutStart { get; init; } = TimeSpan.FromSeconds(90);
    public TimeSpan TimeoutStop { get; init; } = TimeSpan.FromSeconds(90);
    public string? User { get; init; }
    public string? Group { get; init; }
    public IReadOnlyList<string> SupplementaryGroups { get; init; } = [];
    public string? WorkingDirectory { get; init; }
    public bool WorkingDirectoryOptional { get; init; }
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];
    public IReadOnlyList<EnvironmentFileRef> EnvironmentFiles { get; init; } = [];
    public int? UMask { get; init; }
    /// <summary>StandardInput= (default null), with StandardInputText=/StandardInputData= for data.</summary>
    public StandardInput StandardInput { get; init; } = StandardInput.Null;
    public byte[] StandardInputData { get; init; } = [];
    /// <summary>StandardOutput= (default journal: the unit's log) and StandardError= (default inherit: as output).</summary>
    public StandardOutput StandardOutput { get; init; } = StandardOutput.Log;
    public StandardOutput StandardError { get; init; } = StandardOutput.Inherit;
    /// <summary>ExecSearchPath=: where a command named without a '/' is looked for (and $PATH); empty: the default.</summary>
    public IReadOnlyList<string> ExecSearchPath { get; init; } = [];
    /// <summary>PassEnvironment=: variables taken from the daemon's own environment.</summary>
    public IReadOnlyList<string> PassEnvironment { get; init; } = [];
    /// <summary>UnsetEnvironment=: NAME or NAME=VALUE removed from the environment, last.</summary>
    public IReadOnlyList<string> UnsetEnvironment { get; init; } = [];
    /// <summary>IgnoreSIGPIPE=: systemd's default is yes (SIGPIPE ignored at the start).</summary>
    public bool IgnoreSigpipe { get; init; } = true;
    /// <summary>RuntimeDirectory= and its kin: paths relative to each kind's base, made before the first command.</summary>
    public IReadOnlyDictionary<ExecDirectoryKind, IReadOnlyList<string>> Directories { get; init; } = new Dictionary<ExecDirectoryKind, IReadOnlyList<string>>();
    /// <summary>RuntimeDirectoryMode= and its kin (default 0755).</summary>
    public IReadOnlyDictionary<ExecDirectoryKind, int> DirectoryModes { get; init; } = new Dictionary<ExecDirectoryKind, int>();
    public RuntimeDirectoryPreserve RuntimeDirectoryPreserve { get; init; }

    /// <summary>The paths of a kind the unit asks for (none: empty).</summary>
    public IReadOnlyList<string> DirectoriesOf(ExecDirectoryKind k) => Directories.TryGetValue(k, out var l) ? l : [];

    /// <summary>The mode of a kind's innermost directories.</summary>
    public int DirectoryMode(ExecDirectoryKind k) => DirectoryModes.TryGetValue(k, out int m) ? m : 0x1ed; // 0755
    /// <summary>Limit*= the unit sets, by the setrlimit(2) name without RLIMIT_ ("NOFILE"); the others get the defaults.</summary>
    public IReadOnlyDictionary<string, RLimit> Limits { get; init; } = new Dictionary<string, RLimit>();
    public int? OomScoreAdjust { get; init; }

    /// <summary>CapabilityBoundingSet=: the bounding set the service keeps (a bit per capability); null: the daemon's, unchanged.</summary>
    public ulong? CapabilityBoundingSet { get; init; }

    /// <summary>AmbientCapabilities=: capabilities the service keeps across its exec, also as another user (User=).</summary>
    public ulong AmbientCapabilities { get; init; }

    /// <summary>NoNewPrivileges=: neither setuid bits nor file capabilities give the service more than it has.</summary>
    public bool NoNewPrivileges { get; init; }
    /// <summary>DynamicUser=: the service runs as a user allocated for it while it runs (uid 61184–65519), not in /etc/passwd, unless one of that name exists there.</summary>
    public bool DynamicUser { get; init; }
    /// <summary>RemoveIPC=: the System V and POSIX IPC objects of the service's user are removed when nothing of that user runs anymore (never root's).</summary>
    public bool RemoveIpc { get; init; }

    /// <summary>
    /// The dynamic user's name: User= if set, else the unit's name without its suffix, each character
    /// a user name cannot have made '-' ("getty@tty1" → "getty-tty1"), at most 31 characters.
    /// </summary>
    public string DynamicUserName
    {
        get
        {
            if (User is { } u) return u;
            var name = new string([.. ShortName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '-')]);
            if (name.Length == 0 || char.IsAsciiDigit(name[0]) || name[0] == '-') name = "_" + name;
            return name.Length > 31 ? name[..31] : name;
        }
    }

    /// <summary>KeyringMode=: the session keyring the service gets: private (its own, systemd's default for system services), shared (its own, linked to its user's), inherit (the daemon's).</summary>
    public string KeyringMode { get; init; } = "private";

    /// <summary>SecureBits=: the securebits flags (capabilities(7)) set before the credentials change; 0: none.</summary>
    public int SecureBits { get; init; }

    /// <summary>The file-system view and namespaces the service runs in (PrivateTmp=, ProtectSystem=, PrivateNetwork=, ...).</summary>
    public Sandbox Sandbox { get; init; } = Sandbox.None;
    /// <summary>Nice= (-20…19); null: the supervisor's.</summary>
    public int? Nice { get; init; }
    /// <summary>CPUSchedulingPolicy= as the kernel numbers it (SCHED_OTHER 0, FIFO 1, RR 2, BATCH 3, IDLE 5), with its priority and SCHED_RESET_ON_FORK.</summary>
    public int? CpuSchedulingPolicy { get; init; }
    public int CpuSchedulingPriority { get; init; }
    public bool CpuSchedulingResetOnFork { get; init; }
    /// <summary>IOSchedulingClass= (none 0, realtime 1, best-effort 2, idle 3) and IOSchedulingPriority= (0…7); null class: not set.</summary>
    public int? IoSchedulingClass { get; init; }
    public int IoSchedulingPriority { get; init; } = 4;
    public LimitValue TasksMax { get; init; } = LimitValue.Infinity;
    public LimitValue MemoryMax { get; init; } = LimitValue.Infinity;
    public ExitStatusSet SuccessExitStatus { get; init; } = ExitStatusSet.Empty;
    public State.RestartPolicy Restart { get; init; }
    /// <summary>The delay before an automatic restart (the first one, when RestartSteps= grows it).</summary>
    public TimeSpan RestartSec { get; init; } = TimeSpan.FromMilliseconds(100);
    /// <summary>RestartSteps=: in how many restarts the delay grows from RestartSec= to RestartMaxDelaySec= (0: it does not).</summary>
    public int RestartSteps { get; init; }
    public TimeSpan RestartMaxDelay { get; init; } = TimeSpan.MaxValue;
    /// <summary>Exit codes and signals of the main process after which no automatic restart happens.</summary>
    public ExitStatusSet RestartPreventExitStatus { get; init; } = ExitStatusSet.Empty;
    /// <summary>[Unit] StartLimitIntervalSec= and StartLimitBurst=: at most Burst starts per interval (0 or infinity: no limit).</summary>
    public TimeSpan StartLimitInterval { get; init; } = TimeSpan.FromSeconds(10);
    public int StartLimitBurst { get; init; } = 5;
    /// <summary>[X-Corral] KillEscaped=: on stop, kill processes of the service that left its cgroup.</summary>
    public bool KillEscaped { get; init; }
    /// <summary>[X-Corral] ZombieMax=: more unreaped children than this raises an event (null: no limit).</summary>
    public int? ZombieMax { get; init; }
    /// <summary>[X-Corral] LogMaxBytes=: the output log is rotated past this size.</summary>
    public long LogMaxBytes { get; init; } = 10 << 20;
    /// <summary>[X-Corral] LogBackups=: how many rotated files are kept.</summary>
    public int LogBackups { get; init; } = 5;
    /// <summary>[X-Corral] ZombieAction=: what to do, beyond the event, when ZombieMax= is exceeded.</summary>
    public Zombies.ZombieAction ZombieAction { get; init; }

    /// <summary>The unit name without ".service", as used for its cgroup and in messages.</summary>
    public string ShortName => UnitNames.Short(Name);
}
