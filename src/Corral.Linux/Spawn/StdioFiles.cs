namespace Corral.Linux.Spawn;

/// <summary>
/// Descriptors opened for one spawn's standard input and output (StandardInput=file:/data,
/// StandardOutput=file:/append:/truncate:), opened by the daemon as root as systemd's manager opens
/// them, close-on-exec; the spawn duplicates them onto 0–2 and they are closed once it returned.
/// </summary>
public sealed class StdioFiles : IDisposable
{
    private readonly List<int> _fds = [];

    /// <summary>A file to read (StandardInput=file:PATH).</summary>
    public int OpenRead(string path) => Keep(Interop.Open(path, Interop.O_RDONLY | Interop.O_CLOEXEC | Interop.O_NOCTTY), "open", path);

    /// <summary>A file to write: from its start (file:), at its end (append:) or emptied first (truncate:); made 0644 if missing.</summary>
    public int OpenWrite(string path, bool append, bool truncate)
    {
        int flags = Interop.O_WRONLY | Interop.O_CREAT | Interop.O_CLOEXEC | Interop.O_NOCTTY | (append ? Interop.O_APPEND : 0) | (truncate ? Interop.O_TRUNC : 0);
        return Keep(Interop.Open(path, flags, 0x1a4), "open", path);
    }

    /// <summary>Data to read as a file of its own (StandardInput=data), positioned at its start.</summary>
    public unsafe int Data(byte[] data)
    {
        int fd = Keep(Interop.MemfdCreate("corral-stdin", Interop.MFD_CLOEXEC), "memfd_create", null);
        fixed (byte* p = data)
        {
            for (int done = 0; done < data.Length;)
            {
                nint n = Interop.Write(fd, p + done, data.Length - done);
                if (n < 0 && Interop.LastErrno == Interop.EINTR) continue;
                if (n <= 0) throw new ErrnoException("write", Interop.LastErrno, "the input data");
                done += (int)n;
            }
        }
        if (Interop.Lseek(fd, 0, Interop.SEEK_SET) < 0) throw new ErrnoException("lseek", Interop.LastErrno, "the input data");
        return fd;
    }

    private int Keep(int fd, string operation, string? path)
    {
        if (fd < 0) throw new ErrnoException(operation, Interop.LastErrno, path);
        _fds.Add(fd);
        return fd;
    }

    public void Dispose()
    {
        foreach (int fd in _fds) Interop.Close(fd);
        _fds.Clear();
    }
}
