using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const uint MFD_CLOEXEC = 1;
    internal const int SEEK_SET = 0;

    /// <summary>memfd_create(2): an anonymous file, here the data a service reads as its input.</summary>
    [LibraryImport(Libc, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);
}
