using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);
}
