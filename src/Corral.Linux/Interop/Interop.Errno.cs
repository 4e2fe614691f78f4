using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EBADF = 9, EAGAIN = 11, EACCES = 13, EBUSY = 16, EEXIST = 17, EINVAL = 22, ECHILD = 10, EPIPE = 32;

    internal static int LastErrno => Marshal.GetLastPInvokeError();

    [LibraryImport(Libc, EntryPoint = "strerror")]
    private static partial IntPtr StrErrorRaw(int errnum);

    internal static string StrError(int errno) => Marshal.PtrToStringUTF8(StrErrorRaw(errno)) ?? $"errno {errno}";
}

/// <summary>A failed system call, carrying errno and what it was applied to.</summary>
public sealed class ErrnoException(string operation, int errno, string? subject = null)
    : Exception($"{operation}{(subject is null ? "" : $" {subject}")}: {Interop.StrError(errno)} (errno {errno})")
{
    public int Errno { get; } = errno;

    /// <summary>"No space left on device (errno 28)".</summary>
    public static string Describe(int errno) => $"{Interop.StrError(errno)} (errno {errno})";
}
