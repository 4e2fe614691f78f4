namespace Corral.Linux;

/// <summary>Owner, group and mode (type bits included) of a file, from statx: of an open descriptor, or of a path without following a last symlink.</summary>
public readonly record struct FileFacts(int Uid, int Gid, int Mode)
{
    private const int TypeMask = 0xF000, Regular = 0x8000, Directory = 0x4000, Symlink = 0xA000, Socket = 0xC000, Fifo = 0x1000;

    public int Permissions => Mode & 0xFFF;
    public bool IsRegular => (Mode & TypeMask) == Regular;
    public bool IsDirectory => (Mode & TypeMask) == Directory;
    public bool IsSymlink => (Mode & TypeMask) == Symlink;
    public bool IsSocket => (Mode & TypeMask) == Socket;
    public bool IsFifo => (Mode & TypeMask) == Fifo;
    public bool WritableByOthers => (Mode & 0x2) != 0;

    /// <summary>The permissions as ls and chmod write them: 0640.</summary>
    public string Octal => "0" + Convert.ToString(Permissions & 0x1FF, 8);

    public static FileFacts OfDescriptor(int fd) =>
        Interop.StatxCall(fd, "", Interop.AT_EMPTY_PATH, Interop.STATX_BASIC_STATS, out var st) == 0
            ? From(st) : throw new ErrnoException("statx", Interop.LastErrno, $"fd {fd}");

    /// <summary>The file at the path — itself, or what a symlink there points to when <paramref name="follow"/> — or null when there is nothing.</summary>
    public static FileFacts? OfPath(string path, bool follow = false)
    {
        if (Interop.StatxCall(Interop.AT_FDCWD, path, follow ? 0 : Interop.AT_SYMLINK_NOFOLLOW, Interop.STATX_BASIC_STATS, out var st) == 0) return From(st);
        int errno = Interop.LastErrno;
        return errno == Interop.ENOENT ? null : throw new ErrnoException("statx", errno, path);
    }

    private static FileFacts From(Interop.Statx st) => new((int)st.Uid, (int)st.Gid, st.Mode);
}
