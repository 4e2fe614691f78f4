using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    /// <summary>opendir(3), readdir(3), closedir(3): to count a directory's entries without a stat(2) of each.</summary>
    [LibraryImport(Libc, EntryPoint = "opendir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr OpenDir(string path);

    [LibraryImport(Libc, EntryPoint = "readdir", SetLastError = true)]
    internal static partial IntPtr ReadDir(IntPtr dir);

    [LibraryImport(Libc, EntryPoint = "closedir")]
    internal static partial int CloseDir(IntPtr dir);
}
