using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    private const long SYS_pidfd_send_signal = 424, SYS_pidfd_open = 434, SYS_pidfd_getfd = 438;

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall2(long number, long a, long b);

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, long a, long b, long c, long d);

    /// <summary>pidfd_open(2); -1 with errno ESRCH when the process is already gone.</summary>
    internal static int PidfdOpen(int pid) => (int)Syscall2(SYS_pidfd_open, pid, 0);

    /// <summary>pidfd_send_signal(2): the signal reaches the process the fd was opened for, never a reused pid.</summary>
    internal static int PidfdSendSignal(int pidfd, int signal) => (int)Syscall4(SYS_pidfd_send_signal, pidfd, signal, 0, 0);

    /// <summary>pidfd_getfd(2): a close-on-exec copy of the process's descriptor <paramref name="targetFd"/> (the same open file); -1 with errno.</summary>
    internal static int PidfdGetfd(int pidfd, int targetFd) => (int)Syscall4(SYS_pidfd_getfd, pidfd, targetFd, 0, 0);
}
