using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buf, nint count);
}
