using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7;

    [StructLayout(LayoutKind.Sequential)]
    internal struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [LibraryImport(Libc, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int ClockGettime(int clock, out Timespec ts);
}
