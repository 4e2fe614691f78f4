using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    /// <summary>chown(2): gives the control socket its group (--socket-group).</summary>
    [LibraryImport(Libc, EntryPoint = "chown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Chown(string path, int owner, int group);

    /// <summary>lchown(2): a dynamic user's directories given to its new uid, never through a symbolic link.</summary>
    [LibraryImport(Libc, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Lchown(string path, int owner, int group);
}
