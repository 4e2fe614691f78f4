using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const short POLLIN = 0x1;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(Libc, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, ulong nfds, int timeout);
}
