namespace Corral.Core;

/// <summary>
/// A file replaced whole or not at all: the bytes go to PATH.tmp, which is then renamed over PATH.
/// On a failure (a full disk) the temporary file is removed, PATH is as it was, and the exception
/// says what the disk said.
/// </summary>
public static class AtomicFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <param name="mode">the file's mode when it is made (the umask applies)</param>
    /// <param name="durable">flushed to the disk before the rename: it is there after a power cut too</param>
    public static void Write(string path, ReadOnlySpan<byte> bytes, UnixFileMode mode = OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead, bool durable = false)
    {
        string tmp = path + ".tmp";
        try
        {
            using (var f = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                f.Write(bytes);
                if (durable) f.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
