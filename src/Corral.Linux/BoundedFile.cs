using Microsoft.Win32.SafeHandles;

namespace Corral.Linux;

/// <summary>The file a unit names is not a regular file of reasonable size (a FIFO, a device, a huge file): said with what it is.</summary>
public sealed class UnreadableFileException(string message) : Exception(message);

/// <summary>
/// Reads a small regular file that a unit file names (EnvironmentFile=). A unit file is input like
/// any other: a FIFO there would block the read forever (and with it the unit's loop), a device
/// such as /dev/zero would be read until the daemon's memory ran out. The file is opened without
/// blocking, must be a regular file, and is read up to a limit.
/// </summary>
public static class BoundedFile
{
    /// <returns>The text; throws FileNotFoundException when nothing is there, IOException or
    /// UnauthorizedAccessException when it cannot be opened, UnreadableFileException when it is not
    /// a regular file or is larger than <paramref name="maxBytes"/>.</returns>
    public static string ReadText(string path, int maxBytes)
    {
        int fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Interop.LastErrno;
            // The messages leave the path to the caller, who names it with the setting.
            if (errno == Interop.ENOENT) throw new FileNotFoundException("no such file", path);
            if (errno == Interop.EACCES) throw new UnauthorizedAccessException(Interop.StrError(errno));
            throw new IOException(Interop.StrError(errno));
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var facts = FileFacts.OfDescriptor(fd);
        if (!facts.IsRegular)
            throw new UnreadableFileException($"not a regular file but {Kind(facts.Mode)}; not read");
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        var buffer = new byte[Math.Min(maxBytes + 1L, Math.Max(stream.Length + 1, 1))];
        int total = 0, n;
        while (total < buffer.Length && (n = stream.Read(buffer, total, buffer.Length - total)) > 0) total += n;
        if (total > maxBytes)
            throw new UnreadableFileException($"larger than {maxBytes / 1024} KiB; not read");
        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    private static string Kind(int mode) => (mode & 0xF000) switch
    {
        0x1000 => "a FIFO",
        0x2000 => "a character device",
        0x6000 => "a block device",
        0xC000 => "a socket",
        0x4000 => "a directory",
        _ => "not a plain file",
    };
}
