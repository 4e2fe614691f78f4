using System.Text;

namespace Corral.Linux;

/// <summary>
/// An exclusive flock(2) held for the life of the process: the kernel lets it go when the holder
/// dies, however it dies, so a daemon killed with SIGKILL never leaves a stale lock behind. The
/// descriptor is close-on-exec: no child (a service, a pipe holder) can inherit the lock and keep it.
/// A lock file holds the holder's pid, for the message of the one that is refused.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly int _fd;

    private FileLock(int fd) => _fd = fd;

    /// <summary>Locks a file (created 0600 if need be) and writes our pid in it; null when another process holds it.</summary>
    public static FileLock? TryFile(string path)
    {
        int fd = Interop.Open(path, Interop.O_RDWR | Interop.O_CREAT | Interop.O_CLOEXEC | Interop.O_NOFOLLOW, 0x180);
        if (fd < 0) throw new ErrnoException("open", Interop.LastErrno, path);
        if (!TryLock(fd, path)) return null;
        var pid = Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
        unsafe
        {
            fixed (byte* p = pid)
                if (Interop.Ftruncate(fd, 0) < 0 || Interop.Write(fd, p, pid.Length) != pid.Length)
                    Console.Error.WriteLine($"corral: cannot write our pid into {path}: {Interop.StrError(Interop.LastErrno)}");
        }
        return new FileLock(fd);
    }

    /// <summary>Locks a directory itself (a cgroup, which can hold no file of ours); null when another process holds it.</summary>
    public static FileLock? TryDirectory(string path)
    {
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_DIRECTORY | Interop.O_CLOEXEC);
        if (fd < 0) throw new ErrnoException("open", Interop.LastErrno, path);
        return TryLock(fd, path) ? new FileLock(fd) : null;
    }

    /// <summary>
    /// The pid a lock file names, if it names one. Read through a plain open: .NET's own file opening
    /// takes a shared flock of its own (its FileShare emulation), which the holder's lock refuses.
    /// </summary>
    public static int? HolderOf(string path)
    {
        try
        {
            using var f = NoFollowFile.OpenRead(path);
            if (f is null) return null;
            using var reader = new StreamReader(f);
            return int.TryParse(reader.ReadToEnd().Trim(), out int pid) ? pid : null;
        }
        catch (Exception e) when (e is ErrnoException || Core.FileErrors.Is(e)) { return null; }
    }

    private static bool TryLock(int fd, string path)
    {
        if (Interop.Flock(fd, Interop.LOCK_EX | Interop.LOCK_NB) == 0) return true;
        int errno = Interop.LastErrno;
        Interop.Close(fd);
        return errno == Interop.EAGAIN ? false : throw new ErrnoException("flock", errno, path);
    }

    public void Dispose() => Interop.Close(_fd);
}
