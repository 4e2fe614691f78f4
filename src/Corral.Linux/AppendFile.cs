namespace Corral.Linux;

/// <summary>
/// A file written only at its end by one writer (a service's log): opened with O_NOFOLLOW, so a
/// symlink planted at its name is refused rather than followed, and written whole or not at all —
/// a write the disk could only partly take is cut back, so a full disk never leaves half a line
/// that the next line would be glued to. Writes go straight to the kernel: no buffer to flush
/// later, so a failed write has nothing left over to fail again.
/// </summary>
public sealed unsafe class AppendFile : IDisposable
{
    private int _fd;

    private AppendFile(int fd, long length) => (_fd, Length) = (fd, length);

    public long Length { get; private set; }

    /// <summary>Opens (creating with <paramref name="mode"/>) for appending; throws ErrnoException naming the path, ELOOP for a symlink.</summary>
    public static AppendFile Open(string path, int mode)
    {
        int fd = Interop.Open(path, Interop.O_WRONLY | Interop.O_APPEND | Interop.O_CREAT | Interop.O_NOFOLLOW | Interop.O_CLOEXEC, mode);
        if (fd < 0)
        {
            int errno = Interop.LastErrno;
            throw new ErrnoException(errno == Interop.ELOOP ? "open (it is a symbolic link, which is never followed)" : "open", errno, path);
        }
        var facts = FileFacts.OfDescriptor(fd);
        if (!facts.IsRegular)
        {
            Interop.Close(fd);
            throw new ErrnoException("open (not a regular file)", Interop.EINVAL, path);
        }
        return new AppendFile(fd, Interop.Lseek(fd, 0, Interop.SEEK_END));
    }

    /// <summary>Appends all of <paramref name="data"/>, or nothing: 0, or the errno of the failure (ENOSPC on a full disk).</summary>
    public int TryWrite(ReadOnlySpan<byte> data)
    {
        long before = Length;
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = Interop.Write(_fd, p + done, data.Length - done);
                if (n < 0)
                {
                    int errno = Interop.LastErrno;
                    if (errno == Interop.EINTR) continue;
                    if (done > 0) Interop.Ftruncate(_fd, before);
                    return errno;
                }
                done += (int)n;
            }
        }
        Length = before + data.Length;
        return 0;
    }

    public void Dispose()
    {
        if (_fd >= 0) Interop.Close(_fd);
        _fd = -1;
    }
}
