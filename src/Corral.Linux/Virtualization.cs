using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Corral.Linux;

/// <summary>
/// What the machine runs in, named as systemd-detect-virt names it: the container manager (from the
/// files container managers leave: /run/systemd/container, /run/.containerenv, /.dockerenv) and the
/// hypervisor (from CPUID's hypervisor leaf, else DMI). Read once: neither changes while the daemon runs.
/// </summary>
public static class Virtualization
{
    private static readonly Lazy<string?> s_container = new(DetectContainer);
    private static readonly Lazy<string?> s_vm = new(DetectVm);

    /// <summary>"docker", "podman", "lxc" …, or null outside a container.</summary>
    public static string? Container => s_container.Value;

    /// <summary>"kvm", "bhyve", "vm-other" …, or null on bare metal (or where it cannot be told).</summary>
    public static string? Vm => s_vm.Value;

    /// <summary>What systemd's detect_virtualization() answers: the container first, else the hypervisor.</summary>
    public static string? Any => Container ?? Vm;

    private static string? DetectContainer()
    {
        string? declared = ReadTrimmed("/run/systemd/container");
        if (!string.IsNullOrEmpty(declared)) return declared;
        if (File.Exists("/run/.containerenv")) return "podman";
        if (File.Exists("/.dockerenv")) return "docker";
        return null;
    }

    private static string? DetectVm()
    {
        if (X86Base.IsSupported)
        {
            var (_, _, ecx, _) = X86Base.CpuId(1, 0);
            if ((ecx & (1 << 31)) != 0) // the hypervisor bit: a hypervisor says who it is at 0x40000000
            {
                var (_, ebx, ecx2, edx) = X86Base.CpuId(0x40000000, 0);
                var sig = new byte[12];
                BitConverter.TryWriteBytes(sig.AsSpan(0), ebx);
                BitConverter.TryWriteBytes(sig.AsSpan(4), ecx2);
                BitConverter.TryWriteBytes(sig.AsSpan(8), edx);
                string vendor = Encoding.ASCII.GetString(sig).TrimEnd('\0');
                return vendor switch
                {
                    "KVMKVMKVM" => "kvm",
                    "TCGTCGTCGTCG" => "qemu",
                    "XenVMMXenVMM" => "xen",
                    "VMwareVMware" => "vmware",
                    "Microsoft Hv" => "microsoft",
                    "bhyve bhyve " => "bhyve",
                    "QNXQVMBSQG" => "qnx",
                    "ACRNACRNACRN" => "acrn",
                    "SRESRESRESRE" => "sre",
                    "Linux KVM Hv" => "kvm",
                    _ => "vm-other",
                };
            }
        }
        string vendorDmi = ReadTrimmed("/sys/class/dmi/id/sys_vendor") ?? "";
        string product = ReadTrimmed("/sys/class/dmi/id/product_name") ?? "";
        return (vendorDmi, product) switch
        {
            ("QEMU", _) => "qemu",
            (_, var p) when p.StartsWith("KVM", StringComparison.Ordinal) => "kvm",
            ("VMware, Inc.", _) => "vmware",
            ("innotek GmbH", _) or ("Oracle Corporation", _) => "oracle",
            ("Xen", _) => "xen",
            ("Amazon EC2", _) => "amazon",
            ("Microsoft Corporation", "Virtual Machine") => "microsoft",
            _ => null,
        };
    }

    private static string? ReadTrimmed(string path)
    {
        try { return File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
