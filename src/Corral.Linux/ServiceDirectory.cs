namespace Corral.Linux;

/// <summary>
/// Makes and removes a service's own directories (RuntimeDirectory= and its kin) as root, without
/// being led astray by what the service itself may have put there: every component is opened with
/// O_NOFOLLOW relative to its parent's open descriptor, so a symbolic link planted in place of a
/// directory (by a service that owns its directory, to make root chown /etc) fails the start
/// instead of being followed, and the owner and mode are set on the descriptor, not on a name.
/// </summary>
public static class ServiceDirectory
{
    /// <summary>
    /// Makes BASE/RELATIVE (each missing component 0755, root's) and gives the innermost directory
    /// the mode, and the owner when <paramref name="uid"/> is given. An existing directory is kept
    /// with its contents. Throws <see cref="ErrnoException"/> naming the component that failed.
    /// </summary>
    public static void Create(string baseDir, string relative, int mode, int? uid, int? gid)
    {
        int fd = OpenDirectory(Interop.AT_FDCWD, baseDir, baseDir);
        try
        {
            string path = baseDir;
            var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < parts.Length; i++)
            {
                path = path.TrimEnd('/') + "/" + parts[i];
                bool innermost = i == parts.Length - 1;
                if (Interop.Mkdirat(fd, parts[i], innermost ? mode & 0x1ff : 0x1ed) < 0 && Interop.LastErrno != Interop.EEXIST)
                    throw new ErrnoException("mkdir", Interop.LastErrno, path);
                int next = OpenDirectory(fd, parts[i], path);
                Interop.Close(fd);
                fd = next;
            }
            if (uid is not null || gid is not null)
                if (Interop.Fchown(fd, uid ?? -1, gid ?? -1) < 0) throw new ErrnoException("chown", Interop.LastErrno, path);
            // After the chown, which clears set-id bits: the mode as asked, whatever the umask made of it.
            if (Interop.Fchmod(fd, mode) < 0) throw new ErrnoException("chmod", Interop.LastErrno, path);
        }
        finally
        {
            Interop.Close(fd);
        }
    }

    /// <summary>
    /// Removes BASE/RELATIVE with everything in it, never following a symbolic link (one is removed
    /// as the link it is). Nothing there is fine. Only the innermost directory goes: the components
    /// above it may be shared with other units.
    /// </summary>
    public static void Remove(string baseDir, string relative)
    {
        string path = Path.Combine(baseDir, relative);
        var info = new DirectoryInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            if (File.Exists(path)) File.Delete(path);
            return;
        }
        if (info.LinkTarget is not null) { File.Delete(path); return; }
        // .NET's recursive delete unlinks a symbolic link found inside instead of descending into it.
        info.Delete(recursive: true);
    }

    /// <summary>
    /// Gives everything under a directory (itself included) to a new owner, each entry by its own
    /// name and never through a symbolic link (a link is given as the link it is): a dynamic user's
    /// state, kept from a run under another uid. Throws <see cref="ErrnoException"/> naming the entry.
    /// </summary>
    public static void ChownTree(string dir, int uid, int gid)
    {
        if (Interop.Lchown(dir, uid, gid) < 0) throw new ErrnoException("chown", Interop.LastErrno, dir);
        // Recursion does not enter a linked directory: .NET lists a link and does not follow it.
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir, "*", options))
            if (Interop.Lchown(entry, uid, gid) < 0) throw new ErrnoException("chown", Interop.LastErrno, entry);
    }

    private static int OpenDirectory(int dirfd, string name, string path)
    {
        int fd = Interop.Openat(dirfd, name, Interop.O_RDONLY | Interop.O_DIRECTORY | Interop.O_NOFOLLOW | Interop.O_CLOEXEC);
        if (fd >= 0) return fd;
        int errno = Interop.LastErrno;
        throw errno is Interop.ELOOP or Interop.ENOTDIR
            ? new ErrnoException("open (it is not a directory, or a symbolic link, which is never followed)", errno, path)
            : new ErrnoException("open", errno, path);
    }
}
