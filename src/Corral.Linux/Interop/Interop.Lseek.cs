using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int SEEK_END = 2;

    [LibraryImport(Libc, EntryPoint = "lseek", SetLastError = true)]
    internal static partial long Lseek(int fd, long offset, int whence);
}
