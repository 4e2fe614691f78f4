using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const ulong RLIM_INFINITY = ulong.MaxValue;

    [StructLayout(LayoutKind.Sequential)]
    internal struct Rlimit
    {
        public ulong Cur;
        public ulong Max;
    }

    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    internal static partial int Getrlimit(int resource, out Rlimit limit);
}
