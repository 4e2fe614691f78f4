using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>Drop-ins (NAME.service.d/*.conf) on top of a unit file: the order, resets, and findings naming their own file.</summary>
public sealed class DropInTests
{
    private static UnitLoadResult Load(string unit, params (string Path, string Text)[] dropIns) =>
        ServiceUnitLoader.Load("/u/web.service", unit, dropIns);

    [Fact]
    public void Later_drop_ins_override_earlier_ones_and_the_file()
    {
        var r = Load("[Unit]\nDescription=base\n[Service]\nExecStart=/bin/a\nTasksMax=10\n",
            ("/u/web.service.d/10.conf", "[Service]\nTasksMax=20\n"),
            ("/u/web.service.d/20.conf", "[Unit]\nDescription=second\n[Service]\nTasksMax=30\n"));
        Assert.NotNull(r.Unit);
        Assert.Equal("second", r.Unit!.Description);
        Assert.Equal(30UL, r.Unit.TasksMax.Resolve(1000));
        Assert.Equal(["/u/web.service.d/10.conf", "/u/web.service.d/20.conf"], r.Unit.DropInPaths);
        Assert.Equal(r.Unit.DropInPaths, r.DropInPaths);
    }

    [Fact]
    public void An_empty_assignment_in_a_drop_in_resets_a_list_and_a_new_one_replaces_it()
    {
        var r = Load("[Service]\nExecStart=/bin/old\nExecStartPre=/bin/pre\n",
            ("/u/web.service.d/override.conf", "[Service]\nExecStart=\nExecStart=/bin/new --flag\n"));
        Assert.Equal("/bin/new", Assert.Single(r.Unit!.ExecStart).Path);
        Assert.Single(r.Unit.ExecStartPre);
    }

    [Fact]
    public void A_finding_in_a_drop_in_names_the_drop_in_and_its_line()
    {
        var r = Load("[Service]\nExecStart=/bin/a\n", ("/u/web.service.d/bad.conf", "[Service]\n\nKillMode=sideways\nNoSuchKey=1\n"));
        Assert.Null(r.Unit);
        Assert.Contains(r.Diagnostics, d => d.File == "/u/web.service.d/bad.conf" && d.Line == 3 && d.Severity == Severity.Error);
        Assert.Contains(r.Diagnostics, d => d.File == "/u/web.service.d/bad.conf" && d.Line == 4 && d.Severity == Severity.Warning);
        Assert.Equal("/u/web.service.d/bad.conf:3: KillMode=sideways is not one of control-group, mixed, process, none", r.FirstError);
    }

    [Fact]
    public void A_drop_in_that_cannot_be_read_fails_the_load_naming_it()
    {
        string dir = Directory.CreateTempSubdirectory("corral-dropin-").FullName;
        try
        {
            string unit = Path.Combine(dir, "web.service");
            File.WriteAllText(unit, "[Service]\nExecStart=/bin/a\n");
            var r = ServiceUnitLoader.LoadFile(unit, [Path.Combine(dir, "web.service.d", "gone.conf")]);
            Assert.Null(r.Unit);
            Assert.Contains("cannot read drop-in", r.FirstError);
            Assert.StartsWith(Path.Combine(dir, "web.service.d", "gone.conf"), r.FirstError);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
