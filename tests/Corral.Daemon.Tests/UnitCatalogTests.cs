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
        var unit = UnitCatalog.LoadAll(dirs).Units["web.service"].Unit!;
        Assert.Equal("the admin's", unit.Description);
        Assert.Equal(6UL, unit.TasksMax.Resolve(100));
        Assert.Equal(Path.Combine(_dir, "lib/web.service"), unit.FilePath);
    }

    [Fact]
    public void A_units_drop_in_directories_run_from_its_own_name_to_every_service()
    {
        Assert.Equal(["foo-bar-baz@a.service.d", "foo-bar-baz@.service.d", "foo-bar-.service.d", "foo-.service.d", "service.d"],
            UnitCatalog.DropInDirectoryNames("foo-bar-baz@a.service"));
        Assert.Equal(["web.service.d", "service.d"], UnitCatalog.DropInDirectoryNames("web.service"));
        Assert.Equal(["getty@.service.d", "service.d"], UnitCatalog.DropInDirectoryNames("getty@.service"));
        Assert.Equal(["a-.service.d", "service.d"], UnitCatalog.DropInDirectoryNames("a-.service"));
    }

    [Fact]
    public void Templates_are_kept_apart_and_an_instance_takes_the_drop_ins_of_its_name_its_template_its_prefixes_and_every_service()
    {
        string template = Write("lib/app-worker@.service", "[Unit]\nDescription=worker %i\n[Service]\nExecStart=/bin/work %I\nTasksMax=5\n");
        Write("lib/app-worker@.service.d/10-template.conf", "[Service]\nTasksMax=6\n");
        Write("etc/app-worker@blue.service.d/20-instance.conf", "[Service]\nTasksMax=7\n");
        Write("lib/app-.service.d/30-prefix.conf", "[Service]\nKillSignal=SIGINT\n");
        Write("etc/service.d/05-all.conf", "[Service]\nTimeoutStopSec=7\n");
        // The same file name in one unit directory: the more specific name's drop-in wins.
        Write("etc/service.d/20-instance.conf", "[Service]\nTasksMax=8\n");
        Write("lib/app-worker@red.service", "[Service]\nExecStart=/bin/own\n");
        string[] dirs = [Path.Combine(_dir, "etc"), Path.Combine(_dir, "lib")];

        var catalog = UnitCatalog.LoadAll(dirs);

        Assert.Equal(["app-worker@.service"], catalog.Templates.Keys);
        Assert.Equal(["app-worker@red.service"], catalog.Units.Keys.Where(Corral.Core.Units.UnitNames.IsService));
        Assert.Equal("/bin/own", catalog.Units["app-worker@red.service"].Unit!.ExecStart[0].Path);
        var blue = UnitCatalog.LoadInstance(dirs, template, "app-worker@blue.service");
        var u = blue.Unit!;
        Assert.Equal(("app-worker@blue.service", template, "worker blue"), (u.Name, u.FilePath, u.Description));
        Assert.Equal(["05-all.conf", "10-template.conf", "20-instance.conf", "30-prefix.conf"], blue.DropInPaths.Select(Path.GetFileName));
        Assert.Equal(Path.Combine(_dir, "etc/app-worker@blue.service.d/20-instance.conf"), blue.DropInPaths[2]);
        Assert.Equal(7UL, u.TasksMax.Resolve(100));
        Assert.Equal(Core.Signals.SignalNames.SigInt, u.KillSignal);
        Assert.Equal(TimeSpan.FromSeconds(7), u.TimeoutStop);
    }

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Wants_directories_add_to_a_units_Wants_aliases_name_their_unit_and_multi_user_target_is_provided()
    {
        Write("lib/web.service", "[Service]\nExecStart=/bin/a\n");
        Write("lib/app.target", "[Unit]\nDescription=app\nWants=web.service\n");
        Write("lib/db.service", "[Service]\nExecStart=/bin/b\n");
        Directory.CreateDirectory(Path.Combine(_dir, "state/app.target.wants"));
        File.CreateSymbolicLink(Path.Combine(_dir, "state/app.target.wants/db.service"), Path.Combine(_dir, "lib/db.service"));
        File.CreateSymbolicLink(Path.Combine(_dir, "state/database.service"), Path.Combine(_dir, "lib/db.service"));
        File.CreateSymbolicLink(Path.Combine(_dir, "state/default.target"), Path.Combine(_dir, "lib/app.target"));

        var catalog = UnitCatalog.LoadAll([Path.Combine(_dir, "lib")], Path.Combine(_dir, "state"));

        Assert.Equal(["web.service", "db.service"], catalog.Units["app.target"].Target!.Dependencies.Of(Corral.Core.Units.DependencyKind.Wants));
        Assert.Equal("db.service", catalog.Aliases["database.service"]);
        Assert.Equal("app.target", catalog.Aliases["default.target"]);
        Assert.Null(catalog.Units["multi-user.target"].Target!.FilePath is { Length: > 0 } ? "a file" : null);
        Assert.False(catalog.Units.ContainsKey("database.service"));
    }
}
