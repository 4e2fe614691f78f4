using Corral.Linux.Users;

namespace Corral.Linux.Tests;

public sealed class UserDatabaseTests
{
    private static readonly UserDatabase Db = UserDatabase.Parse(
        "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
        "root:x:0:\nadm:x:4:www-data,alice\nnogroup:x:65534:\nwww-data:x:33:\n");

    [Fact]
    public void Finds_users_by_name_or_number()
    {
        Assert.Equal(new UserEntry("nobody", 65534, 65534, "/nonexistent"), Db.FindUser("nobody"));
        Assert.Equal(33, Db.FindUser("33")!.Uid);
        Assert.Equal(1234, Db.FindUser("1234")!.Uid);
        Assert.Null(Db.FindUser("no-such-user"));
    }

    [Fact]
    public void Finds_groups_and_memberships()
    {
        Assert.Equal(65534, Db.FindGroup("nogroup"));
        Assert.Equal([4], Db.MembershipsOf("www-data"));
        Assert.Null(Db.FindGroup("no-such-group"));
    }
}
