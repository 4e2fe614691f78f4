using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int O_CLOEXEC = 0x80000, O_NONBLOCK = 0x800;

    [LibraryImport(Libc, EntryPoint = "pipe2", SetLastError = true)]
    private static unsafe partial int Pipe2Raw(int* fds, int flags);

    /// <summary>A pipe whose both ends are close-on-exec: only what the executor dup2()s reaches the service.</summary>
    internal static unsafe (int Read, int Write) Pipe2(int flags = O_CLOEXEC)
    {
        int* fds = stackalloc int[2];
        if (Pipe2Raw(fds, flags) < 0) throw new ErrnoException("pipe2", LastErrno);
        return (fds[0], fds[1]);
    }
}
