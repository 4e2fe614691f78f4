using System.Runtime.InteropServices;

namespace Corral.Core.Units;

/// <summary>
/// What the machine specifiers (%H %m %b %v %a) name, read once: they do not change while the
/// daemon runs (the host name may, and systemd also takes it at load time). A fact that cannot be
/// read is empty, as systemd leaves it when /etc/machine-id is missing in a container.
/// </summary>
public static class Machine
{
    private static readonly Lazy<string> s_machineId = new(() => ReadLine("/etc/machine-id"));
    private static readonly Lazy<string> s_bootId = new(() => ReadLine("/proc/sys/kernel/random/boot_id").Replace("-", ""));
    private static readonly Lazy<string> s_release = new(() => ReadLine("/proc/sys/kernel/osrelease"));

    public static string HostName => Environment.MachineName;
    public static string MachineId => s_machineId.Value;
    /// <summary>As systemd prints it: 32 hex digits, without the dashes the kernel puts in.</summary>
    public static string BootId => s_bootId.Value;
    public static string KernelRelease => s_release.Value;

    /// <summary>systemd's architecture names (ConditionArchitecture=): x86-64, arm64, x86, arm …</summary>
    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86-64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.X86 => "x86",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        System.Runtime.InteropServices.Architecture.LoongArch64 => "loongarch64",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64-le",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string ReadLine(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (FileErrors.Is(e)) { return ""; }
    }
}
