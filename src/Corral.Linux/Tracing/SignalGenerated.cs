using System.Globalization;
using System.Text.RegularExpressions;

namespace Corral.Linux.Tracing;

/// <summary>
/// One <c>signal:signal_generate</c> trace line: who sent which signal to whom. The line's task is
/// the sender when <see cref="Code"/> ≤ 0 (SI_USER, SI_QUEUE, SI_TKILL …); a positive code is the
/// kernel (SI_KERNEL = 128, or a fault code such as SEGV_MAPERR).
/// </summary>
public sealed partial record SignalGenerated(string SenderComm, int SenderPid, double Timestamp, int Signal, int Code, string TargetComm, int TargetPid, int Result)
{
    public bool FromKernel => Code > 0;

    // "  kill-5120  [001] d..1.  3723.217106: signal_generate: sig=9 errno=0 code=0 comm=sleep pid=691 grp=1 res=0"
    [GeneratedRegex(@"^\s*(?<comm>.*)-(?<pid>\d+)\s+\[\d+\]\s+(?:\S+\s+)?(?<ts>\d+\.\d+): signal_generate: sig=(?<sig>\d+) errno=-?\d+ code=(?<code>-?\d+) comm=(?<tcomm>.*) pid=(?<tpid>\d+) grp=\d+ res=(?<res>\d+)\s*$")]
    private static partial Regex Line();

    // "  kill-1234  [001] ...1.  3723.2: sched_process_exec: filename=/usr/bin/kill pid=1234 old_pid=1234"
    [GeneratedRegex(@"^\s*.*-\d+\s+\[\d+\]\s+(?:\S+\s+)?\d+\.\d+: sched_process_exec: filename=(?<file>.*) pid=(?<pid>\d+) old_pid=\d+\s*$")]
    private static partial Regex ExecLine();

    /// <summary>A sched_process_exec line: the pid and the file it now runs.</summary>
    public static bool TryParseExec(string line, out int pid, out string filename)
    {
        var m = ExecLine().Match(line);
        pid = m.Success ? int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture) : 0;
        filename = m.Groups["file"].Value;
        return m.Success;
    }

    public static bool TryParse(string line, out SignalGenerated? ev)
    {
        ev = null;
        var m = Line().Match(line);
        if (!m.Success) return false;
        static int I(Group g) => int.Parse(g.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        ev = new SignalGenerated(m.Groups["comm"].Value, I(m.Groups["pid"]), double.Parse(m.Groups["ts"].Value, CultureInfo.InvariantCulture),
            I(m.Groups["sig"]), I(m.Groups["code"]), m.Groups["tcomm"].Value, I(m.Groups["tpid"]), I(m.Groups["res"]));
        return true;
    }
}
