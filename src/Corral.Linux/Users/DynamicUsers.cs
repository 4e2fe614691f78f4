using System.Text;

namespace Corral.Linux.Users;

/// <summary>
/// DynamicUser=: uids (each its own gid) lent to services from systemd's range, 61184–65519, while
/// something of theirs runs. A name's uid is found by hashing the name (so a service usually gets
/// the same uid each time and its files stay its own), skipping uids /etc/passwd or /etc/group use,
/// those lent to another name and those some process runs as. Who holds a uid is a file ROOT/UID
/// (root's, 0600) holding the name, made with O_EXCL: two services taking uids at once cannot get
/// the same one, and a daemon started again finds what is lent.
/// </summary>
public sealed class DynamicUsers(string root)
{
    public const int First = 61184, Last = 65519;

    /// <summary>
    /// The user a service named <paramref name="name"/> runs as: one of that name in /etc/passwd if
    /// there is one (as systemd), else the uid lent to the name, lent now if it is not yet. Throws
    /// <see cref="ErrnoException"/> when the state cannot be written, InvalidOperationException when
    /// every uid of the range is taken.
    /// </summary>
    public UserEntry Acquire(string name, UserDatabase users)
    {
        if (users.FindUser(name) is { } existing && !name.All(char.IsAsciiDigit)) return existing;
        ServiceDirectory.Create(Path.GetDirectoryName(root)!, Path.GetFileName(root), 0x1c0, null, null); // 0700
        const int span = Last - First + 1;
        uint start = Hash(name);
        for (int i = 0; i < span; i++)
        {
            int uid = First + (int)((start + (uint)i) % span);
            if (users.UserName(uid) is not null || users.HasGid(uid)) continue;
            string path = PathOf(uid);
            // A uid some process runs as is someone's (another manager's dynamic user, another Corral's), unless it is this name's already.
            if (HolderOf(uid) != name && Procfs.ProcReader.AnyProcessOf(uid)) continue;
            int fd = Interop.Open(path, Interop.O_WRONLY | Interop.O_CREAT | 0x80 /* O_EXCL */ | Interop.O_NOFOLLOW | Interop.O_CLOEXEC, 0x180);
            if (fd >= 0)
            {
                try
                {
                    using var file = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Write);
                    file.Write(Encoding.UTF8.GetBytes(name));
                }
                catch (IOException)
                {
                    File.Delete(path); // a full disk: the uid is not lent to an empty name
                    throw;
                }
                return Entry(name, uid);
            }
            if (Interop.LastErrno != Interop.EEXIST) throw new ErrnoException("create", Interop.LastErrno, path);
            if (HolderOf(uid) == name) return Entry(name, uid);
        }
        throw new InvalidOperationException($"DynamicUser=: every uid from {First} to {Last} is taken");
    }

    /// <summary>The name a uid is lent to, or null.</summary>
    public string? HolderOf(int uid)
    {
        try { return File.ReadAllText(PathOf(uid)); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return null; }
    }

    /// <summary>Gives the uid back, if it is lent to that name.</summary>
    public void Release(int uid, string name)
    {
        if (uid is < First or > Last || HolderOf(uid) != name) return;
        try { File.Delete(PathOf(uid)); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { }
    }

    private string PathOf(int uid) => Path.Combine(root, uid.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static UserEntry Entry(string name, int uid) => new(name, uid, uid, "/");

    /// <summary>FNV-1a: the same for a name on every run and every machine.</summary>
    private static uint Hash(string name)
    {
        uint h = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(name)) h = (h ^ b) * 16777619;
        return h;
    }
}
