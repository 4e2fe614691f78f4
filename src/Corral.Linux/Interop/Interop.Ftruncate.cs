using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int Ftruncate(int fd, long length);
}
