using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    internal const uint EPOLLIN = 0x1, EPOLLERR = 0x8, EPOLLHUP = 0x10;

    /// <summary>struct epoll_event is packed on x86_64: 4 bytes of events, 8 of data.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport(Libc, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport(Libc, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, ref EpollEvent ev);

    [LibraryImport(Libc, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeout);
}
