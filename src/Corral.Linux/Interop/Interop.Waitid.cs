using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int P_ALL = 0, P_PID = 1, WEXITED = 4, WNOHANG = 1, WNOWAIT = 0x01000000;
    internal const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;

    /// <summary>siginfo_t is 128 bytes; for SIGCHLD si_pid is at 16, si_status at 24 on 64-bit Linux.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    internal struct SigInfo
    {
        [FieldOffset(0)] public int Signo;
        [FieldOffset(8)] public int Code;
        [FieldOffset(16)] public int Pid;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public int Status;
    }

    [LibraryImport(Libc, EntryPoint = "waitid", SetLastError = true)]
    internal static partial int Waitid(int idtype, int id, ref SigInfo info, int options);
}
