using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    /// <summary>execv(3): argv ends with a null entry. Returns only on failure.</summary>
    [LibraryImport(Libc, EntryPoint = "execv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Execv(string path, string?[] argv);
}
