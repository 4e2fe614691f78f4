using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>RuntimeDirectory= and its kin as the loader reads them (issue #14, item 5), and the specifiers that name their bases and the machine.</summary>
public sealed class ExecDirectoryTests
{
    private static UnitLoadResult Load(string service) => ServiceUnitLoader.Load("/u/web@a.service", "[Service]\nExecStart=/bin/a\n" + service);

    [Fact]
    public void Every_kind_is_read_with_its_mode_and_specifiers_and_an_empty_value_resets()
    {
        var u = Load("RuntimeDirectory=%p %p/sub\nRuntimeDirectory=extra\nRuntimeDirectoryMode=0700\nStateDirectory=web/%i\nCacheDirectory=web\n" +
            "LogsDirectory=web\nConfigurationDirectory=web\nConfigurationDirectoryMode=750\nRuntimeDirectoryPreserve=restart\n" +
            "CacheDirectory=\nCacheDirectory=other\n").Unit!;

        Assert.Equal(["web", "web/sub", "extra"], u.DirectoriesOf(ExecDirectoryKind.Runtime));
        Assert.Equal(["web/a"], u.DirectoriesOf(ExecDirectoryKind.State));
        Assert.Equal(["other"], u.DirectoriesOf(ExecDirectoryKind.Cache));
        Assert.Equal(["web"], u.DirectoriesOf(ExecDirectoryKind.Logs));
        Assert.Equal(0x1c0, u.DirectoryMode(ExecDirectoryKind.Runtime));
        Assert.Equal(0x1e8, u.DirectoryMode(ExecDirectoryKind.Configuration));
        Assert.Equal(0x1ed, u.DirectoryMode(ExecDirectoryKind.State));
        Assert.Equal(RuntimeDirectoryPreserve.Restart, u.RuntimeDirectoryPreserve);
    }

    [Theory]
    [InlineData("RuntimeDirectory=/run/web", "must be relative")]
    [InlineData("StateDirectory=../etc", "'.' or '..' component")]
    [InlineData("CacheDirectory=a/./b", "'.' or '..' component")]
    [InlineData("LogsDirectory=\"a\\x01b\"", "control character")]
    [InlineData("RuntimeDirectoryMode=0999", "is not an octal mode")]
    [InlineData("RuntimeDirectoryPreserve=sometimes", "is not one of yes, no, restart")]
    public void A_path_that_would_leave_its_base_or_a_bad_mode_is_an_error_with_file_and_line(string line, string why)
    {
        var r = Load(line + "\n");
        Assert.Null(r.Unit);
        Assert.StartsWith($"/u/web@a.service:3: {line}", r.FirstError);
        Assert.Contains(why, r.FirstError);
    }

    [Fact]
    public void The_symlink_form_of_systemd_250_makes_the_directory_and_warns()
    {
        var r = Load("StateDirectory=web:web-old\n");
        Assert.Equal(["web"], r.Unit!.DirectoriesOf(ExecDirectoryKind.State));
        Assert.Contains(r.Diagnostics, d => d.Severity == Severity.Warning && d.Line == 3 && d.Message.Contains("symbolic link of 'web:web-old' is not made"));
    }

    [Fact]
    public void Kinds_have_systemds_bases_and_variables()
    {
        Assert.Equal(["/run", "/var/lib", "/var/cache", "/var/log", "/etc"], ExecDirectoryKinds.All.Select(k => k.Base()));
        Assert.Equal(["RUNTIME_DIRECTORY", "STATE_DIRECTORY", "CACHE_DIRECTORY", "LOGS_DIRECTORY", "CONFIGURATION_DIRECTORY"], ExecDirectoryKinds.All.Select(k => k.Variable()));
        Assert.False(ExecDirectoryKind.Configuration.OwnedByService());
    }

    [Fact]
    public void Directory_and_machine_specifiers_expand_to_this_machines_values()
    {
        var u = ServiceUnitLoader.Load("/u/web.service", "[Service]\nExecStart=/bin/echo %t %S %C %L %E %T %V %d H=%H l=%l m=%m b=%b v=%v %a %U %G %s\n").Unit!;
        string bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim().Replace("-", "");
        string machineId = File.Exists("/etc/machine-id") ? File.ReadAllText("/etc/machine-id").Trim() : "";
        Assert.Equal(["/run", "/var/lib", "/var/cache", "/var/log", "/etc", "/tmp", "/var/tmp", "/run/credentials/web.service",
            "H=" + Environment.MachineName, "l=" + Environment.MachineName.Split('.')[0], "m=" + machineId,
            "b=" + bootId, "v=" + File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), "x86-64", "0", "0", "/bin/sh"], u.ExecStart[0].Words.Skip(1));
    }
}
