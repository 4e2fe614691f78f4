using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int AF_NETLINK = 16, NETLINK_CONNECTOR = 11;
    internal const int SOL_SOCKET = 1, SO_RCVBUFFORCE = 33;
    internal const int ENOBUFS = 105;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [LibraryImport(Libc, EntryPoint = "bind", SetLastError = true)]
    internal static partial int BindNetlink(int fd, ref SockaddrNl addr, int len);

    [LibraryImport(Libc, EntryPoint = "send", SetLastError = true)]
    internal static unsafe partial nint Send(int fd, byte* buf, nint len, int flags);

    [LibraryImport(Libc, EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, int len);
}
