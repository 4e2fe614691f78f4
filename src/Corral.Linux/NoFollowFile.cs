using Microsoft.Win32.SafeHandles;

namespace Corral.Linux;

/// <summary>Opening a file for reading without following a symlink at its name (O_NOFOLLOW).</summary>
public static class NoFollowFile
{
    /// <summary>The file as a stream, or null when there is nothing at the path; throws ErrnoException for a symlink (ELOOP) or another failure.</summary>
    public static FileStream? OpenRead(string path)
    {
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_NOFOLLOW | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Interop.LastErrno;
            if (errno == Interop.ENOENT) return null;
            throw new ErrnoException(errno == Interop.ELOOP ? "open (it is a symbolic link, which is never followed)" : "open", errno, path);
        }
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Read);
    }
}
