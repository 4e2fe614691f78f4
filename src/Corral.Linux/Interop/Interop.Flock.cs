using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int LOCK_EX = 2, LOCK_NB = 4;

    [LibraryImport(Libc, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);
}
