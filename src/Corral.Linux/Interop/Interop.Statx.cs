using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
    internal const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>The start of struct statx (linux/stat.h), the same on every architecture; the kernel fills 256 bytes.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    internal struct Statx
    {
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(40)] public ulong Size;
    }

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int StatxCall(int dirfd, string path, int flags, uint mask, out Statx buf);
}
