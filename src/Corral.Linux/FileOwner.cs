namespace Corral.Linux;

public static class FileOwner
{
    /// <summary>Sets a file's owner and group (-1 leaves one as it is).</summary>
    public static void Set(string path, int uid, int gid)
    {
        if (Interop.Chown(path, uid, gid) < 0) throw new ErrnoException($"chown {path}", Interop.LastErrno);
    }
}
