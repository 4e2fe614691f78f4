using Corral.Linux.ProcConnector;

namespace Corral.Daemon.Tests;

/// <summary>
/// Process-connector datagrams as the kernel sends them: two recorded on this machine (pid 20435
/// forked 20436, which exited with status 3), with their pids and status replaced. They go through
/// the same parser as the daemon's, so a test feeds what the connector's thread would hand on.
/// </summary>
internal static class Datagrams
{
    private const string ForkMessage = "4c0000000300000001000000000000000100000001000000010000000000000028000000010000000000000062c41bf7df020000d34f0000d34f0000d44f0000d44f00000000000000000000";
    private const string ExitMessage = "4c00000003000000020000000000000001000000010000000200000000000000280000000000008000000000f66f17fddf020000d44f0000d44f00000003000011000000d34f0000d34f0000";
    private const int Data = 52; // nlmsghdr (16) + cn_msg (20) + what, cpu, timestamp (16)

    public static ProcEvent Fork(int parent, int child, ulong timestampNs = 0)
    {
        var m = Convert.FromHexString(ForkMessage);
        if (timestampNs != 0) BitConverter.TryWriteBytes(m.AsSpan(44), timestampNs);
        foreach (var (offset, pid) in new[] { (0, parent), (4, parent), (8, child), (12, child) })
            BitConverter.TryWriteBytes(m.AsSpan(Data + offset), pid);
        return Parse(m);
    }

    /// <param name="rawStatus">the wait status: exit code &lt;&lt; 8, or the signal</param>
    public static ProcEvent Exit(int pid, int parent, int rawStatus)
    {
        var m = Convert.FromHexString(ExitMessage);
        foreach (var (offset, value) in new[] { (0, pid), (4, pid), (8, rawStatus), (16, parent), (20, parent) })
            BitConverter.TryWriteBytes(m.AsSpan(Data + offset), value);
        return Parse(m);
    }

    private static ProcEvent Parse(byte[] m)
    {
        Assert.True(ProcEvent.TryParse(m, out var e));
        return e;
    }
}
