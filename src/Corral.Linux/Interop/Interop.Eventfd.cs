using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800;

    [LibraryImport(Libc, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int Eventfd(uint initval, int flags);

    [LibraryImport(Libc, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buf, nint count);

    /// <summary>Adds one to an eventfd's counter: whoever polls it wakes.</summary>
    internal static unsafe void EventfdSignal(int fd)
    {
        ulong one = 1;
        Write(fd, (byte*)&one, 8);
    }

    /// <summary>Reads an eventfd's counter back to zero (non-blocking: nothing happens when it is zero).</summary>
    internal static unsafe void EventfdClear(int fd)
    {
        ulong count;
        Read(fd, (byte*)&count, 8);
    }
}
