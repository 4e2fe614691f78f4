using Corral.Linux.Kmsg;

namespace Corral.Linux.Tests;

/// <summary>The kernel's audit line on a process its system-call filter killed, as /dev/kmsg gives it.</summary>
public sealed class SeccompReportTests
{
    [Fact]
    public void The_audit_line_of_a_filter_kill_gives_pid_and_call()
    {
        const string line = "audit: type=1326 audit(1796250251.924:2): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=18328 comm=\"sck\" exe=\"/tmp/sck\" sig=31 arch=c000003e syscall=165 compat=0 ip=0x7f28f13e94f7 code=0x80000000";
        Assert.True(SeccompKillReport.TryParse(line, out var r));
        Assert.Equal((18328, "sck", 165, 0xc000003eu), (r!.Pid, r.Comm, r.SystemCall, r.Arch));
        Assert.Equal("mount", r.CallName);
        // Another ABI's number is never named with this machine's table.
        Assert.Equal("system call 21 of ABI 40000003", (r with { SystemCall = 21, Arch = 0x40000003 }).CallName);
    }

    [Fact]
    public void Audit_lines_of_other_kinds_and_logged_errnos_are_not_kills()
    {
        Assert.False(SeccompKillReport.TryParse("audit: type=1326 audit(1.2:3): auid=0 uid=0 gid=0 ses=1 pid=5 comm=\"x\" exe=\"/x\" sig=0 arch=c000003e syscall=165 compat=0 ip=0x1 code=0x50000", out _));
        Assert.False(SeccompKillReport.TryParse("audit: type=1400 audit(1.2:3): apparmor=\"DENIED\" pid=5", out _));
    }
}
