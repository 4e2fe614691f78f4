using System.Globalization;
using System.Text.RegularExpressions;

namespace Corral.Linux.Kmsg;

/// <summary>
/// What the kernel's audit printed when a system-call filter killed a process: which call, of which
/// ABI. A filter's kill is logged whatever /proc/sys/kernel/seccomp/actions_logged says of the other
/// actions (kill_process is there by default), and without an audit daemon it goes to the kernel log.
/// </summary>
public sealed partial record SeccompKillReport(int Pid, string Comm, int SystemCall, uint Arch)
{
    // "audit: type=1326 audit(1796250251.924:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=18328 comm="sck" exe="/tmp/sck" sig=31 arch=c000003e syscall=110 compat=0 ip=0x7f28f13e94f7 code=0x80000000"
    [GeneratedRegex(@"type=1326 audit\([^)]*\):.* pid=(?<pid>\d+) comm=(?<comm>""[^""]*""|[0-9A-F]+) .*sig=31 arch=(?<arch>[0-9a-f]+) syscall=(?<nr>\d+) ")]
    private static partial Regex Line();

    public static bool TryParse(string message, out SeccompKillReport? report)
    {
        report = null;
        var m = Line().Match(message);
        if (!m.Success) return false;
        report = new SeccompKillReport(int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture), m.Groups["comm"].Value.Trim('"'),
            int.Parse(m.Groups["nr"].Value, CultureInfo.InvariantCulture), uint.Parse(m.Groups["arch"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>The call by name where this machine's own ABI made it ("mount"), else by number and ABI.</summary>
    public string CallName => SystemCalls.NameOf(SystemCall, Arch) ?? $"system call {SystemCall} of ABI {Arch:x}";
}
