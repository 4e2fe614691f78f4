using Corral.Daemon.Services;

namespace Corral.Daemon.Tests;

/// <summary>Where a unit's drop-ins come from: every unit directory, in file-name order, an earlier directory's file hiding a later one's of the same name.</summary>
public sealed class UnitCatalogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-catalog-").FullName;

    private string Write(string relative, string text)
    {
        string path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Drop_ins_of_every_directory_apply_in_name_order_and_etc_hides_the_packages_file_of_the_same_name()
    {
        Write("lib/web.service", "[Unit]\nDescription=packaged\n[Service]\nExecStart=/bin/a\nTasksMax=5\n");
        Write("lib/web.service.d/50-packaged.conf", "[Service]\nTasksMax=6\n");
        Write("lib/web.service.d/override.conf", "[Unit]\nDescription=hidden\n");
        string mine = Write("etc/web.service.d/override.conf", "[Unit]\nDescription=the admin's\n");
        Write("etc/web.service.d/notes.txt", "not a drop-in");
        string[] dirs = [Path.Combine(_dir, "etc"), Path.Combine(_dir, "lib")];

        Assert.Equal([Path.Combine(_dir, "lib/web.service.d/50-packaged.conf"), mine], UnitCatalog.DropIns(dirs, "web.service"));
        var unit = UnitCatalog.LoadAll(dirs)["web.service"].Unit!;
        Assert.Equal("the admin's", unit.Description);
        Assert.Equal(6UL, unit.TasksMax.Resolve(100));
        Assert.Equal(Path.Combine(_dir, "lib/web.service"), unit.FilePath);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
