using System.Buffers.Binary;

namespace Corral.Linux.ProcConnector;

public enum ProcEventKind { Fork, Exec, Exit, Uid, Comm }

/// <summary>
/// One event of the kernel's process connector (linux/cn_proc.h), for whole processes only:
/// <see cref="Pid"/> is the thread-group id. For exits <see cref="RawStatus"/> is the wait status
/// the parent would get (exit code in bits 8-15, or the signal in bits 0-6 and 0x80 for a core);
/// for uid changes <see cref="Uid"/> is the new effective uid.
/// </summary>
public readonly record struct ProcEvent(ProcEventKind Kind, int Pid, int ParentPid, int RawStatus, ulong TimestampNs, int Uid = -1, string? Comm = null)
{
    private const uint Fork = 0x1, Exec = 0x2, UidChange = 0x4, CommChange = 0x200, Exit = 0x80000000;
    private const int NlmsgHeader = 16, CnMsgHeader = 20;

    /// <summary>
    /// Parses one netlink datagram. Thread events (a fork creating a thread, a thread exiting)
    /// and event types Corral does not use give false.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> msg, out ProcEvent ev)
    {
        ev = default;
        int p = NlmsgHeader + CnMsgHeader;
        if (msg.Length < p + 16) return false;
        uint what = BinaryPrimitives.ReadUInt32LittleEndian(msg[p..]);
        ulong ts = BinaryPrimitives.ReadUInt64LittleEndian(msg[(p + 8)..]);
        var data = msg[(p + 16)..];
        switch (what)
        {
            case Fork when data.Length >= 16:
                if (U(data, 2) != U(data, 3)) return false; // a new thread, not a process
                ev = new ProcEvent(ProcEventKind.Fork, U(data, 3), U(data, 1), 0, ts);
                return true;
            case Exec when data.Length >= 8:
                ev = new ProcEvent(ProcEventKind.Exec, U(data, 1), 0, 0, ts);
                return true;
            case UidChange when data.Length >= 16:
                if (U(data, 0) != U(data, 1)) return false; // one thread's credentials
                ev = new ProcEvent(ProcEventKind.Uid, U(data, 1), 0, 0, ts, U(data, 3));
                return true;
            case CommChange when data.Length >= 24:
                if (U(data, 0) != U(data, 1)) return false; // a thread renamed itself
                var name = data.Slice(8, 16);
                int nul = name.IndexOf((byte)0);
                ev = new ProcEvent(ProcEventKind.Comm, U(data, 1), 0, 0, ts, Comm: System.Text.Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]));
                return true;
            case Exit when data.Length >= 24:
                if (U(data, 0) != U(data, 1)) return false; // a thread ended, the process goes on
                ev = new ProcEvent(ProcEventKind.Exit, U(data, 1), U(data, 5), U(data, 2), ts);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The kernel's answer to a subscription (PROC_EVENT_NONE): the errno it carries, 0 when accepted.</summary>
    public static bool TryParseAck(ReadOnlySpan<byte> msg, out int err)
    {
        err = 0;
        int p = NlmsgHeader + CnMsgHeader;
        if (msg.Length < p + 20 || BinaryPrimitives.ReadUInt32LittleEndian(msg[p..]) != 0) return false;
        err = U(msg[(p + 16)..], 0);
        return true;
    }

    private static int U(ReadOnlySpan<byte> data, int index) => (int)BinaryPrimitives.ReadUInt32LittleEndian(data[(index * 4)..]);
}
