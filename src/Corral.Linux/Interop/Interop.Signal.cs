using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal static readonly IntPtr SIG_DFL = IntPtr.Zero;

    /// <summary>signal(2), used once to put SIGCHLD back to default: if it was inherited ignored, the kernel would reap every child and lose its status.</summary>
    [LibraryImport(Libc, EntryPoint = "signal", SetLastError = true)]
    internal static partial IntPtr Signal(int signum, IntPtr handler);
}
