namespace Corral.Core.Units;

/// <summary>A directive Corral knows from systemd, read from a unit, that it does not act on yet (Value: as written, for `corral security`).</summary>
public sealed record NotEnforcedDirective(string File, int Line, string Section, string Key, string Category, string Value = "")
{
    public override string ToString() => $"{File}:{Line}: not enforced: {Key}= ({Category})";
}

/// <summary>
/// systemd directives Corral knows but does not act on yet, by what they are about. A unit using
/// one loads and runs without it, and says so — `corral verify` lists them, `status` names them
/// ("Runs without: …") — rather than calling a real systemd directive unknown. Anything in neither
/// this list nor the directives Corral acts on is an unknown key.
/// </summary>
public static class NotEnforcedDirectives
{
    public const string Sandboxing = "sandboxing, issue #19";
    public const string Dependencies = "dependencies";
    public const string Resources = "resource control";
    public const string Scheduling = "scheduling";
    public const string Logging = "logging";
    public const string Other = "not supported";

    private static readonly Dictionary<(string Section, string Key), string> Known = Build();

    /// <summary>What the directive is about, when Corral knows it and does not enforce it.</summary>
    public static bool TryGet(string section, string key, out string category) => Known.TryGetValue((section, key), out category!);

    private static Dictionary<(string, string), string> Build()
    {
        var d = new Dictionary<(string, string), string>();
        void Add(string section, string category, params string[] keys)
        {
            foreach (var k in keys) d[(section, k)] = category;
        }
        Add("Unit", Dependencies, "PropagatesReloadTo", "ReloadPropagatedFrom", "PropagatesStopTo", "StopPropagatedFrom", "JoinsNamespaceOf",
            "StopWhenUnneeded", "RefuseManualStart", "RefuseManualStop", "OnFailureJobMode", "CollectMode", "RequiresMountsFor", "WantsMountsFor");
        Add("Unit", Other, "SourcePath", "FailureAction", "SuccessAction", "FailureActionExitStatus", "SuccessActionExitStatus",
            "JobTimeoutSec", "JobRunningTimeoutSec", "JobTimeoutAction", "JobTimeoutRebootArgument", "StartLimitAction", "RebootArgument");
        Add("Service", Sandboxing, "RestrictFileSystems",
            "RootImage", "RootImageOptions", "DevicePolicy", "DeviceAllow",
            "IPAddressAllow", "IPAddressDeny", "IPAccounting", "Personality", "SELinuxContext", "AppArmorProfile",
            "SmackProcessLabel", "LoadCredential", "LoadCredentialEncrypted", "SetCredential", "SetCredentialEncrypted",
            "ImportCredential", "ExtensionDirectories", "ExtensionImages", "MountImages", "RootHash", "RootHashSignature", "RootVerity");
        Add("Service", Resources, "CPUQuota", "CPUWeight", "CPUShares", "StartupCPUWeight", "MemoryHigh", "MemoryLow", "MemoryMin",
            "MemorySwapMax", "MemoryLimit", "IOWeight", "IOReadBandwidthMax", "IOWriteBandwidthMax", "IOReadIOPSMax", "IOWriteIOPSMax",
            "BlockIOWeight", "Slice", "Delegate", "CPUAccounting", "MemoryAccounting", "IOAccounting", "TasksAccounting", "BlockIOAccounting",
            "OOMPolicy", "ManagedOOMSwap", "ManagedOOMMemoryPressure", "AllowedCPUs", "AllowedMemoryNodes", "RuntimeMaxSec",
            "RuntimeRandomizedExtraSec", "TimeoutAbortSec", "TimeoutStartFailureMode", "TimeoutStopFailureMode");
        Add("Service", Scheduling, "CPUAffinity", "NUMAPolicy", "NUMAMask", "CoredumpFilter", "TimerSlackNSec");
        Add("Service", Logging, "SyslogIdentifier", "SyslogFacility", "SyslogLevel", "SyslogLevelPrefix", "LogLevelMax", "LogExtraFields",
            "LogRateLimitIntervalSec", "LogRateLimitBurst", "LogNamespace", "TTYPath", "TTYReset", "TTYVHangup",
            "TTYVTDisallocate", "TTYRows", "TTYColumns", "UtmpIdentifier", "UtmpMode");
        Add("Service", Other, "Sockets", "FileDescriptorStorePreserve", "BusName", "GuessMainPID", "PAMName",
            "USBFunctionDescriptors", "USBFunctionStrings", "ExitType", "RestartForceExitStatus", "OpenFile", "RestartKillSignal", "TimeoutCleanSec");
        Add("Timer", Other, "WakeSystem", "OnClockChange", "OnTimezoneChange");
        Add("Socket", Other, "PassSecurity", "PassPacketInfo", "AcceptFileDescriptors", "KeepAlive", "KeepAliveTimeSec", "KeepAliveIntervalSec",
            "KeepAliveProbes", "NoDelay", "Priority", "DeferAcceptSec", "IPTOS", "IPTTL", "Mark", "PipeSize", "MessageQueueMaxMessages",
            "MessageQueueMessageSize", "Timestamping", "TCPCongestion", "Transparent", "Broadcast", "BindToDevice", "SmackLabel", "SmackLabelIPIn",
            "SmackLabelIPOut", "SELinuxContextFromNet", "Writable", "FlushPending", "TriggerLimitIntervalSec", "TriggerLimitBurst",
            "PollLimitIntervalSec", "PollLimitBurst", "ExecStartPre", "ExecStartPost", "ExecStopPre", "ExecStopPost", "TimeoutSec",
            "ListenNetlink", "ListenSpecial", "ListenMessageQueue", "ListenUSBFunction", "SocketProtocol");
        return d;
    }

    private static readonly Dictionary<string, string> Reasons = new(StringComparer.Ordinal)
    {
        ["RootImage"] = "no root image yet: the service runs in the host's /",
        ["DevicePolicy"] = "no device policy: on cgroup v2 it is a BPF program on the service's cgroup, which Corral does not attach yet",
        ["DeviceAllow"] = "no device policy: on cgroup v2 it is a BPF program on the service's cgroup, which Corral does not attach yet",
        ["IPAddressAllow"] = "no IP filter: it is a BPF program on the service's cgroup, which Corral does not attach yet",
        ["IPAddressDeny"] = "no IP filter: it is a BPF program on the service's cgroup, which Corral does not attach yet",
        ["RestrictFileSystems"] = "needs a BPF LSM program, which Corral does not load yet",
        ["Delegate"] = "no delegated subtree yet: the service's cgroup stays Corral's",
        ["SELinuxContext"] = "Corral has no SELinux integration",
        ["AppArmorProfile"] = "Corral has no AppArmor integration",
        ["SmackProcessLabel"] = "Corral has no SMACK integration",
    };

    /// <summary>Why Corral does not enforce a directive, in words for `corral security`; the category when there is nothing more to say.</summary>
    public static string Why(string key) =>
        Reasons.TryGetValue(key, out var why) ? why : Known.FirstOrDefault(k => k.Key.Key == key).Value ?? Other;

    /// <summary>Every known directive not enforced (a test checks that none of them is one Corral acts on).</summary>
    public static IEnumerable<(string Section, string Key, string Category)> All => Known.Select(kv => (kv.Key.Section, kv.Key.Key, kv.Value));
}
