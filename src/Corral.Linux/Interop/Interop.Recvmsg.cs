using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int SO_PASSCRED = 16, SO_PASSPIDFD = 76, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2, SCM_PIDFD = 4;
    internal const int MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20, MSG_DONTWAIT = 0x40, MSG_CMSG_CLOEXEC = 0x40000000;

    /// <summary>struct iovec (x86_64, aarch64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (64-bit Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct cmsghdr's header; the data follows, aligned to 8.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport(Libc, EntryPoint = "recvmsg", SetLastError = true)]
    internal static unsafe partial nint Recvmsg(int fd, MsgHdr* msg, int flags);

    /// <summary>struct mmsghdr (64-bit Linux): one message of recvmmsg and the length it received.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [LibraryImport(Libc, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static unsafe partial int Recvmmsg(int fd, MMsgHdr* msgs, uint count, int flags, void* timeout);

    [LibraryImport(Libc, EntryPoint = "sendmsg", SetLastError = true)]
    internal static unsafe partial nint Sendmsg(int fd, MsgHdr* msg, int flags);

    internal static nuint CmsgAlign(nuint n) => (n + 7) & ~(nuint)7;
}
