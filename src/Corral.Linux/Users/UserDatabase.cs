using System.Globalization;

namespace Corral.Linux.Users;

public sealed record UserEntry(string Name, int Uid, int Gid, string Home);
public sealed record GroupEntry(string Name, int Gid, IReadOnlyList<string> Members);

/// <summary>
/// /etc/passwd and /etc/group, read directly: Corral resolves User= and Group= for local
/// accounts only (no NSS modules such as LDAP), which is what a supervisor on this host needs.
/// </summary>
public sealed class UserDatabase(IReadOnlyList<UserEntry> users, IReadOnlyList<GroupEntry> groups)
{
    public static UserDatabase Load(string passwd = "/etc/passwd", string group = "/etc/group") =>
        Parse(File.ReadAllText(passwd), File.ReadAllText(group));

    public static UserDatabase Parse(string passwdText, string groupText)
    {
        var users = new List<UserEntry>();
        foreach (var line in passwdText.Split('\n'))
        {
            var f = line.Split(':');
            if (f.Length >= 7 && int.TryParse(f[2], out int uid) && int.TryParse(f[3], out int gid))
                users.Add(new UserEntry(f[0], uid, gid, f[5]));
        }
        var groups = new List<GroupEntry>();
        foreach (var line in groupText.Split('\n'))
        {
            var f = line.Split(':');
            if (f.Length >= 4 && int.TryParse(f[2], out int gid))
                groups.Add(new GroupEntry(f[0], gid, f[3].Split(',', StringSplitOptions.RemoveEmptyEntries)));
        }
        return new UserDatabase(users, groups);
    }

    /// <summary>A name, or a numeric uid (which need not have an entry, as in systemd).</summary>
    public UserEntry? FindUser(string nameOrId)
    {
        var byName = users.FirstOrDefault(u => u.Name == nameOrId);
        if (byName is not null) return byName;
        if (int.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out int uid))
            return users.FirstOrDefault(u => u.Uid == uid) ?? new UserEntry(nameOrId, uid, uid, "/");
        return null;
    }

    public string? UserName(int uid) => users.FirstOrDefault(u => u.Uid == uid)?.Name;

    /// <summary>Whether /etc/group has a group with that gid.</summary>
    public bool HasGid(int gid) => groups.Any(g => g.Gid == gid);

    public int? FindGroup(string nameOrId)
    {
        var byName = groups.FirstOrDefault(g => g.Name == nameOrId);
        if (byName is not null) return byName.Gid;
        return int.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out int gid) ? gid : null;
    }

    /// <summary>The groups that list the user as a member (what initgroups(3) would add).</summary>
    public IEnumerable<int> MembershipsOf(string user) => groups.Where(g => g.Members.Contains(user)).Select(g => g.Gid);
}
