using Corral.Core.Killing;
using Corral.Core.Signals;

namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    /// <summary>Mutable accumulation of directives; repeated list keys append, an empty value resets.</summary>
    private sealed partial class Builder(string name, string filePath)
    {
        public string Name => name;
        public string FilePath => filePath;
        public string Description = "";
        /// <summary>Documentation=: URIs, in their order (an empty value clears them, as in systemd).</summary>
        public readonly List<string> Documentation = [];
        public readonly List<UnitCondition> Conditions = [], Asserts = [];
        public ServiceType? Type;
        public readonly List<ExecCommand> ExecStart = [], ExecCondition = [], ExecStartPre = [], ExecStartPost = [], ExecStop = [], ExecStopPost = [], ExecReload = [];
        public string? PidFile;
        // Where PIDFile= was last set, for the warning about it: (file, line).
        public (string File, int Line) PidFileAt;
        public bool RemainAfterExit;
        public NotifyAccess? NotifyAccess;
        public TimeSpan WatchdogSec;
        public int FileDescriptorStoreMax;
        public int WatchdogSignal = SignalNames.SigAbrt, ReloadSignal = SignalNames.SigHup;
        public KillMode KillMode = KillMode.ControlGroup;
        public int KillSignal = SignalNames.SigTerm, FinalKillSignal = SignalNames.SigKill;
        public bool SendSigkill = true, SendSighup;
        public TimeSpan? TimeoutStart, TimeoutStop;
        public string? User, Group, WorkingDirectory;
        public bool WorkingDirectoryOptional;
        public readonly List<string> SupplementaryGroups = [];
        public readonly List<KeyValuePair<string, string>> Environment = [];
        public readonly List<EnvironmentFileRef> EnvironmentFiles = [];
        public int? UMask, OomScoreAdjust, Nice, CpuSchedulingPolicy, CpuSchedulingPriority, IoSchedulingClass, IoSchedulingPriority;
        public bool CpuSchedulingResetOnFork;
        public readonly Dictionary<ExecDirectoryKind, List<string>> Directories = [];
        public readonly Dictionary<ExecDirectoryKind, int> DirectoryModes = [];
        public RuntimeDirectoryPreserve RuntimeDirectoryPreserve;
        public bool IgnoreSigpipe = true;
        public ulong? CapabilityBoundingSet, AmbientCapabilities;
        public bool NoNewPrivileges, DynamicUser, RemoveIpc;
        public string KeyringMode = "private";
        public int SecureBits;
        public readonly SandboxBuilder Sandboxing = new();
        public StandardInput StandardInput = StandardInput.Null;
        public readonly List<byte> StandardInputData = [];
        public StandardOutput StandardOutput = StandardOutput.Log, StandardError = StandardOutput.Inherit;
        public bool StandardOutputSet;
        public readonly List<string> ExecSearchPath = [], PassEnvironment = [], UnsetEnvironment = [];
        public readonly Dictionary<string, RLimit> Limits = [];
        public LimitValue TasksMax = LimitValue.Infinity, MemoryMax = LimitValue.Infinity;
        public readonly HashSet<int> SuccessCodes = [], SuccessSignals = [], PreventCodes = [], PreventSignals = [];
        public State.RestartPolicy Restart;
        public TimeSpan RestartSec = TimeSpan.FromMilliseconds(100), RestartMaxDelay = TimeSpan.MaxValue;
        public int RestartSteps;
        public TimeSpan StartLimitInterval = TimeSpan.FromSeconds(10);
        public int StartLimitBurst = 5;
        public bool KillEscaped;
        public int? ZombieMax;
        public long LogMaxBytes = 10 << 20;
        public int LogBackups = 5;
        public Zombies.ZombieAction ZombieAction;
        public readonly Dictionary<DependencyKind, List<string>> Dependencies = [];
        public bool DefaultDependencies = true, AllowIsolate, IgnoreOnIsolate;
        public readonly List<string> WantedBy = [], RequiredBy = [], UpheldBy = [], Alias = [], Also = [];
        public string? DefaultInstance;

        private UnitDependencies BuildDependencies() =>
            new(Dependencies.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value.Distinct(StringComparer.Ordinal)]))
            { DefaultDependencies = DefaultDependencies };

        private UnitInstall BuildInstall() => new()
        {
            WantedBy = [.. WantedBy.Distinct()], RequiredBy = [.. RequiredBy.Distinct()], UpheldBy = [.. UpheldBy.Distinct()],
            Alias = [.. Alias.Distinct()], Also = [.. Also.Distinct()], DefaultInstance = DefaultInstance,
        };

        public TargetUnit BuildTarget() => new()
        {
            Name = name,
            FilePath = filePath,
            Description = Description,
            Dependencies = BuildDependencies(),
            Install = BuildInstall(),
            Conditions = [.. Conditions],
            Asserts = [.. Asserts],
            AllowIsolate = AllowIsolate,
            IgnoreOnIsolate = IgnoreOnIsolate,
        };

        public ServiceUnit Build(List<Diagnostic> diagnostics)
        {
            var type = Type ?? ServiceType.Simple;
            if (ExecStart.Count == 0)
                throw new UnitValueException("service has no ExecStart= setting, refusing to load");
            if (ExecStart.Count > 1 && type != ServiceType.Oneshot)
                throw new UnitValueException($"service has {ExecStart.Count} ExecStart= commands, which only Type=oneshot allows");
            if (RestartSteps > 0 && (RestartMaxDelay == TimeSpan.MaxValue || RestartMaxDelay <= RestartSec))
                diagnostics.Add(new(Severity.Warning, filePath, 0, "RestartSteps= has no effect without a RestartMaxDelaySec= above RestartSec="));
            if (ZombieAction != Zombies.ZombieAction.None && ZombieMax is null)
                diagnostics.Add(new(Severity.Warning, filePath, 0, "ZombieAction= has no effect without ZombieMax="));
            // systemd.exec(5): with StandardInput=socket, StandardOutput= defaults to inherit (the connection too).
            if (StandardInput.Kind == InputKind.Socket && !StandardOutputSet) StandardOutput = StandardOutput.Inherit;
            if (StandardInput.Kind == InputKind.Data && StandardInputData.Count == 0)
                throw new UnitValueException("StandardInput=data is set but neither StandardInputText= nor StandardInputData= gives any data");
            if (CpuSchedulingPolicy is null or 0 or 3 or 5 && CpuSchedulingPriority is > 0)
                throw new UnitValueException("CPUSchedulingPriority= above 0 needs CPUSchedulingPolicy=fifo or rr");
            if (DynamicUser)
            {
                // What systemd implies for a user that exists only while the service runs and may be another's later.
                Sandboxing.PrivateTmp = true;
                Sandboxing.ProtectSystem = ProtectSystem.Strict;
                if (Sandboxing.ProtectHome == ProtectHome.No) Sandboxing.ProtectHome = ProtectHome.ReadOnly;
                Sandboxing.RestrictSuidSgid = true;
                NoNewPrivileges = RemoveIpc = true;
            }
            if (PidFile is not null && type != ServiceType.Forking)
                diagnostics.Add(new(Severity.Warning, PidFileAt.File, PidFileAt.Line, "PIDFile= is only used with Type=forking"));
            return new ServiceUnit
            {
                Name = name,
                FilePath = filePath,
                Description = Description,
                Dependencies = BuildDependencies(),
                Install = BuildInstall(),
                IgnoreOnIsolate = IgnoreOnIsolate,
                Conditions = [.. Conditions],
                Asserts = [.. Asserts],
                Type = type,
                ExecStart = [.. ExecStart],
                ExecCondition = [.. ExecCondition],
                ExecStartPre = [.. ExecStartPre],
                ExecStartPost = [.. ExecStartPost],
                ExecStop = [.. ExecStop],
                ExecStopPost = [.. ExecStopPost],
                ExecReload = [.. ExecReload],
                PidFile = PidFile,
                RemainAfterExit = RemainAfterExit,
                NotifyAccess = NotifyAccess ?? (type.WaitsForReady() || WatchdogSec > TimeSpan.Zero ? Units.NotifyAccess.Main : Units.NotifyAccess.None),
                WatchdogSec = WatchdogSec,
                FileDescriptorStoreMax = FileDescriptorStoreMax,
                WatchdogSignal = WatchdogSignal,
                ReloadSignal = ReloadSignal,
                KillMode = KillMode,
                KillSignal = KillSignal,
                FinalKillSignal = FinalKillSignal,
                SendSigkill = SendSigkill,
                SendSighup = SendSighup,
                // Oneshot services wait for their command without limit unless told otherwise, as in systemd.
                TimeoutStart = TimeoutStart ?? (type == ServiceType.Oneshot ? TimeSpan.MaxValue : TimeSpan.FromSeconds(90)),
                TimeoutStop = TimeoutStop ?? TimeSpan.FromSeconds(90),
                User = User,
                Group = Group,
                SupplementaryGroups = [.. SupplementaryGroups],
                WorkingDirectory = WorkingDirectory,
                WorkingDirectoryOptional = WorkingDirectoryOptional,
                Environment = [.. Environment],
                EnvironmentFiles = [.. EnvironmentFiles],
                UMask = UMask,
                Directories = Directories.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value.Distinct()]),
                DirectoryModes = new Dictionary<ExecDirectoryKind, int>(DirectoryModes),
                RuntimeDirectoryPreserve = RuntimeDirectoryPreserve,
                IgnoreSigpipe = IgnoreSigpipe,
                StandardInput = StandardInput,
                StandardInputData = [.. StandardInputData],
                StandardOutput = StandardOutput,
                StandardError = StandardError,
                ExecSearchPath = [.. ExecSearchPath],
                PassEnvironment = [.. PassEnvironment],
                UnsetEnvironment = [.. UnsetEnvironment],
                Limits = new Dictionary<string, RLimit>(Limits),
                OomScoreAdjust = OomScoreAdjust,
                CapabilityBoundingSet = CapabilityBoundingSet,
                AmbientCapabilities = AmbientCapabilities ?? 0,
                NoNewPrivileges = NoNewPrivileges,
                DynamicUser = DynamicUser,
                RemoveIpc = RemoveIpc,
                KeyringMode = KeyringMode,
                SecureBits = SecureBits,
                Sandbox = Sandboxing.Build(),
                Nice = Nice,
                // fifo and rr without a priority get 1, the lowest the kernel takes for them (systemd passes 0, which it refuses).
                CpuSchedulingPolicy = CpuSchedulingPolicy,
                CpuSchedulingPriority = CpuSchedulingPriority ?? (CpuSchedulingPolicy is 1 or 2 ? 1 : 0),
                CpuSchedulingResetOnFork = CpuSchedulingResetOnFork,
                // A priority alone is best-effort's, as the kernel's default class.
                IoSchedulingClass = IoSchedulingClass ?? (IoSchedulingPriority is not null ? 2 : null),
                IoSchedulingPriority = IoSchedulingPriority ?? 4,
                TasksMax = TasksMax,
                MemoryMax = MemoryMax,
                SuccessExitStatus = new ExitStatusSet(SuccessCodes, SuccessSignals),
                KillEscaped = KillEscaped,
                Restart = Restart,
                RestartSec = RestartSec,
                RestartSteps = RestartSteps,
                RestartMaxDelay = RestartMaxDelay,
                RestartPreventExitStatus = new ExitStatusSet(PreventCodes, PreventSignals),
                StartLimitInterval = StartLimitInterval,
                StartLimitBurst = StartLimitBurst,
                ZombieMax = ZombieMax,
                LogMaxBytes = LogMaxBytes,
                LogBackups = LogBackups,
                ZombieAction = ZombieAction,
            };
        }
    }
}
