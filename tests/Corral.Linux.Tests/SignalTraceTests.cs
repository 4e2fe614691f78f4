using Corral.Linux.Tracing;

namespace Corral.Linux.Tests;

public sealed class SignalTraceTests
{
    [Theory]
    // Real lines from this machine's trace_pipe (the first from a bash builtin kill, the second a fault).
    [InlineData("            bash-677     [001] d..1.  3723.217106: signal_generate: sig=9 errno=0 code=0 comm=sleep pid=691 grp=1 res=0",
        "bash", 677, 9, 0, "sleep", 691, false)]
    [InlineData(" corral-workload-4242    [000] d..2.  3900.000001: signal_generate: sig=11 errno=0 code=1 comm=corral-workload pid=4242 grp=1 res=0",
        "corral-workload", 4242, 11, 1, "corral-workload", 4242, true)]
    [InlineData("   my prog-x-99 [003] .....  10.5: signal_generate: sig=15 errno=0 code=-6 comm=a b pid=100 grp=0 res=0",
        "my prog-x", 99, 15, -6, "a b", 100, false)]
    public void Parses_sender_signal_and_target(string line, string comm, int pid, int sig, int code, string targetComm, int target, bool fromKernel)
    {
        Assert.True(SignalGenerated.TryParse(line, out var ev));
        Assert.Equal((comm, pid, sig, code, targetComm, target, fromKernel), (ev!.SenderComm, ev.SenderPid, ev.Signal, ev.Code, ev.TargetComm, ev.TargetPid, ev.FromKernel));
    }

    [Fact]
    public void Parses_exec_lines_read_from_this_machine()
    {
        const string line = "            true-29534   [001] .....  6926.713940: sched_process_exec: filename=/usr/bin/true pid=29534 old_pid=29534";
        Assert.True(SignalGenerated.TryParseExec(line, out int pid, out string file));
        Assert.Equal((29534, "/usr/bin/true"), (pid, file));
        Assert.False(SignalGenerated.TryParseExec("  bash-1 [000] d..1. 1.0: signal_generate: sig=9 errno=0 code=0 comm=x pid=2 grp=1 res=0", out _, out _));
    }

    [Theory]
    [InlineData("# tracer: nop")]
    [InlineData("  bash-1 [000] d..1. 1.0: tracing_mark_write: corral: tracing ends")]
    public void Other_lines_are_not_signals(string line) => Assert.False(SignalGenerated.TryParse(line, out _));
}
