using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const uint IN_MODIFY = 0x2, IN_IGNORED = 0x8000;
    internal const int IN_CLOEXEC = 0x80000;

    [LibraryImport(Libc, EntryPoint = "inotify_init1", SetLastError = true)]
    internal static partial int InotifyInit1(int flags);

    [LibraryImport(Libc, EntryPoint = "inotify_add_watch", SetLastError = true)]
    internal static partial int InotifyAddWatch(int fd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mask);

    [LibraryImport(Libc, EntryPoint = "inotify_rm_watch", SetLastError = true)]
    internal static partial int InotifyRmWatch(int fd, int wd);
}
