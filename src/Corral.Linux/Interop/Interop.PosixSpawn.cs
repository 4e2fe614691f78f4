using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;

    /// <summary>glibc's posix_spawn_file_actions_t is 80 bytes on x86_64 and aarch64; 256 leaves room.</summary>
    internal const int FileActionsSize = 256;

    [LibraryImport(Libc, EntryPoint = "posix_spawn")]
    internal static unsafe partial int PosixSpawn(out int pid, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, void* fileActions, void* attr, IntPtr* argv, IntPtr* envp);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_init")]
    internal static unsafe partial int FileActionsInit(void* fa);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static unsafe partial int FileActionsDestroy(void* fa);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_adddup2")]
    internal static unsafe partial int FileActionsAddDup2(void* fa, int fd, int newfd);

    [LibraryImport(Libc, EntryPoint = "posix_spawn_file_actions_addopen")]
    internal static unsafe partial int FileActionsAddOpen(void* fa, int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int oflag, uint mode);
}
