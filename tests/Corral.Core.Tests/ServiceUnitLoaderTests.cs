using Corral.Core.Killing;
using Corral.Core.Units;

namespace Corral.Core.Tests;

public sealed class ServiceUnitLoaderTests
{
    private static UnitLoadResult Load(string text, string name = "web.service") => ServiceUnitLoader.Load($"/etc/corral/units/{name}", text);

    private static ServiceUnit LoadOk(string text)
    {
        var r = Load(text);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return r.Unit!;
    }

    [Fact]
    public void Defaults_are_systemds()
    {
        var u = LoadOk("[Service]\nExecStart=/bin/true\n");
        Assert.Equal(ServiceType.Simple, u.Type);
        Assert.Equal(KillMode.ControlGroup, u.KillMode);
        Assert.Equal(15, u.KillSignal);
        Assert.Equal(9, u.FinalKillSignal);
        Assert.True(u.SendSigkill);
        Assert.False(u.SendSighup);
        Assert.Equal(TimeSpan.FromSeconds(90), u.TimeoutStop);
        Assert.Equal(TimeSpan.FromSeconds(90), u.TimeoutStart);
        Assert.Equal(LimitValue.Infinity, u.TasksMax);
    }

    [Fact]
    public void Reads_every_supported_directive()
    {
        var u = LoadOk("""
            [Unit]
            Description=The web
            [Service]
            Type=forking
            PIDFile=/run/%N.pid
            ExecStartPre=-/bin/mkdir -p /run/web
            ExecStart=/usr/sbin/web --config /etc/web.conf
            ExecStartPost=/bin/true
            ExecReload=/bin/kill -HUP $MAINPID
            ExecStop=/bin/kill -TERM $MAINPID
            ExecStopPost=/bin/rm -f /run/web.pid
            KillMode=mixed
            KillSignal=SIGINT
            FinalKillSignal=SIGQUIT
            SendSIGKILL=no
            SendSIGHUP=yes
            TimeoutStartSec=10
            TimeoutStopSec=1min 30s
            User=www-data
            Group=www-data
            SupplementaryGroups=adm users
            WorkingDirectory=-/srv/web
            Environment=A=1 "B=two words"
            EnvironmentFile=-/etc/default/web
            UMask=0027
            LimitNOFILE=1024:4096
            LimitCORE=infinity
            OOMScoreAdjust=-500
            TasksMax=64
            MemoryMax=64M
            SuccessExitStatus=75 SIGUSR1
            [Install]
            WantedBy=multi-user.target
            """);
        Assert.Equal("The web", u.Description);
        Assert.Equal(ServiceType.Forking, u.Type);
        Assert.Equal("/run/web.pid", u.PidFile);
        Assert.True(Assert.Single(u.ExecStartPre).IgnoreFailure);
        Assert.Equal(["/usr/sbin/web", "--config", "/etc/web.conf"], Assert.Single(u.ExecStart).Words);
        Assert.Single(u.ExecStartPost);
        Assert.Single(u.ExecReload);
        Assert.Single(u.ExecStop);
        Assert.Single(u.ExecStopPost);
        Assert.Equal(KillMode.Mixed, u.KillMode);
        Assert.Equal(2, u.KillSignal);
        Assert.Equal(3, u.FinalKillSignal);
        Assert.False(u.SendSigkill);
        Assert.True(u.SendSighup);
        Assert.Equal(TimeSpan.FromSeconds(10), u.TimeoutStart);
        Assert.Equal(TimeSpan.FromSeconds(90), u.TimeoutStop);
        Assert.Equal("www-data", u.User);
        Assert.Equal("www-data", u.Group);
        Assert.Equal(["adm", "users"], u.SupplementaryGroups);
        Assert.Equal("/srv/web", u.WorkingDirectory);
        Assert.True(u.WorkingDirectoryOptional);
        Assert.Equal([new("A", "1"), new("B", "two words")], u.Environment);
        Assert.Equal(new EnvironmentFileRef("/etc/default/web", true), Assert.Single(u.EnvironmentFiles));
        Assert.Equal(0x17, u.UMask);
        Assert.Equal(new RLimit(1024, 4096), u.Limits["NOFILE"]);
        Assert.Equal(new RLimit(null, null), u.Limits["CORE"]);
        Assert.Equal(-500, u.OomScoreAdjust);
        Assert.Equal(LimitValue.Absolute(64), u.TasksMax);
        Assert.Equal(LimitValue.Absolute(64 * 1024 * 1024), u.MemoryMax);
        Assert.Contains(75, u.SuccessExitStatus.ExitCodes);
        Assert.Contains(10, u.SuccessExitStatus.Signals);
    }

    [Fact]
    public void Syntax_comments_continuations_and_whitespace()
    {
        var u = LoadOk("# comment\n; also comment\n[Service]\n  ExecStart = /bin/echo a \\\n# inside\n  b \\\n  c\n\n");
        Assert.Equal(["/bin/echo", "a", "b", "c"], Assert.Single(u.ExecStart).Words);
    }

    [Fact]
    public void Empty_assignment_resets_a_list()
    {
        var u = LoadOk("[Service]\nExecStart=/bin/true\nExecStartPre=/bin/a\nExecStartPre=\nExecStartPre=/bin/b\nEnvironment=A=1\nEnvironment=\nEnvironment=B=2\n");
        Assert.Equal("/bin/b", Assert.Single(u.ExecStartPre).Path);
        Assert.Equal([new("B", "2")], u.Environment);
    }

    [Fact]
    public void TimeoutSec_sets_both_and_zero_disables()
    {
        var u = LoadOk("[Service]\nExecStart=/bin/true\nTimeoutSec=0\n");
        Assert.Equal(TimeSpan.MaxValue, u.TimeoutStart);
        Assert.Equal(TimeSpan.MaxValue, u.TimeoutStop);
    }

    [Fact]
    public void Oneshot_may_have_several_ExecStart_and_no_start_timeout()
    {
        var u = LoadOk("[Service]\nType=oneshot\nExecStart=/bin/a\nExecStart=/bin/b\n");
        Assert.Equal(2, u.ExecStart.Count);
        Assert.Equal(TimeSpan.MaxValue, u.TimeoutStart);
    }

    [Fact]
    public void Unknown_keys_and_sections_warn_with_line_and_X_sections_are_silent()
    {
        var r = Load("[Unit]\nAfter=network.target\n[Service]\nExecStart=/bin/true\nRestartt=always\n[Frobnicate]\nA=1\n[X-Other]\nAnything=5\n[X-Corral]\nKillEscaped=yes\nKillEscapees=yes\n");
        Assert.NotNull(r.Unit);
        Assert.True(r.Unit!.KillEscaped);
        Assert.Equal(
            ["/etc/corral/units/web.service:5: warning: unknown key Restartt= in [Service], ignored",
             "/etc/corral/units/web.service:7: warning: unknown section [Frobnicate], ignored",
             "/etc/corral/units/web.service:12: warning: unknown key KillEscapees= in [X-Corral], ignored"],
            r.Diagnostics.Select(d => d.ToString()));
        // After= is acted on (issue #15): neither unknown nor "not enforced".
        Assert.Empty(r.NotEnforced);
        Assert.Equal(["network.target"], r.Unit.Dependencies.Of(DependencyKind.After));
    }

    [Fact]
    public void Restart_settings_and_start_limits_are_read_with_systemds_defaults()
    {
        var d = LoadOk("[Service]\nExecStart=/bin/true\n");
        Assert.Equal((Corral.Core.State.RestartPolicy.No, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), 5),
            (d.Restart, d.RestartSec, d.StartLimitInterval, d.StartLimitBurst));
        var u = LoadOk("[Unit]\nStartLimitIntervalSec=1min\nStartLimitBurst=3\n[Service]\nExecStart=/bin/true\nRestart=on-abnormal\nRestartSec=2s\nRestartSteps=4\nRestartMaxDelaySec=1min\nRestartPreventExitStatus=42 SIGHUP\n");
        Assert.Equal((Corral.Core.State.RestartPolicy.OnAbnormal, TimeSpan.FromSeconds(2), 4, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), 3),
            (u.Restart, u.RestartSec, u.RestartSteps, u.RestartMaxDelay, u.StartLimitInterval, u.StartLimitBurst));
        Assert.True(u.RestartPreventExitStatus.Matches(Corral.Core.State.ExitStatus.Exited(42)));
        Assert.True(u.RestartPreventExitStatus.Matches(Corral.Core.State.ExitStatus.Killed(1)));
        Assert.False(u.RestartPreventExitStatus.Matches(Corral.Core.State.ExitStatus.Exited(1)));
        Assert.Contains(Load("[Service]\nExecStart=/bin/true\nRestartSteps=3\n").Diagnostics, x => x.Message.Contains("RestartSteps= has no effect"));
    }

    [Theory]
    [InlineData("Restart=sometimes", "Restart=sometimes is not one of no, always, on-success, on-failure, on-abnormal, on-abort")]
    [InlineData("RestartSec=infinity", "RestartSec=infinity is not a finite time span")]
    [InlineData("RestartSteps=lots", "RestartSteps=lots is not a number of steps")]
    [InlineData("RestartPreventExitStatus=300", "'300' is neither an exit code 0-255 nor a signal name")]
    public void Bad_restart_settings_are_errors(string line, string message)
    {
        var r = Load($"[Service]\nExecStart=/bin/true\n{line}\n");
        Assert.Null(r.Unit);
        Assert.Contains(message, Assert.Single(r.Diagnostics, d => d.Severity == Severity.Error).Message);
    }

    [Fact]
    public void ZombieMax_and_ZombieAction_are_read_from_X_Corral()
    {
        var u = LoadOk("[Service]\nExecStart=/bin/true\n[X-Corral]\nZombieMax=20\nZombieAction=restart\n");
        Assert.Equal(20, u.ZombieMax);
        Assert.Equal(Corral.Core.Zombies.ZombieAction.Restart, u.ZombieAction);
        var defaults = LoadOk("[Service]\nExecStart=/bin/true\n");
        Assert.Null(defaults.ZombieMax);
        Assert.Equal(Corral.Core.Zombies.ZombieAction.None, defaults.ZombieAction);
        Assert.Null(LoadOk("[Service]\nExecStart=/bin/true\n[X-Corral]\nZombieMax=infinity\n").ZombieMax);
        var lone = Load("[Service]\nExecStart=/bin/true\n[X-Corral]\nZombieAction=stop\n");
        Assert.Contains(lone.Diagnostics, d => d.Severity == Severity.Warning && d.Message.Contains("ZombieAction= has no effect without ZombieMax="));
    }

    [Theory]
    [InlineData("ZombieMax=many", "ZombieMax=many is not a number of zombies")]
    [InlineData("ZombieMax=-1", "ZombieMax=-1 is not a number of zombies")]
    [InlineData("ZombieAction=kill", "ZombieAction=kill is not one of none, restart, stop")]
    [InlineData("LogMaxBytes=100", "LogMaxBytes=100 is not a size of at least 4K")]
    [InlineData("LogBackups=-2", "LogBackups=-2 is not a number of files between 0 and 1000")]
    public void Bad_zombie_settings_are_errors_naming_the_line(string line, string message)
    {
        var r = Load($"[Service]\nExecStart=/bin/true\n[X-Corral]\n{line}\n");
        Assert.Null(r.Unit);
        var error = Assert.Single(r.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(4, error.Line);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("KillMode=group", 3, "KillMode=group is not one of control-group, mixed, process, none")]
    [InlineData("KillSignal=hup", 3, "KillSignal=hup is not a signal")]
    [InlineData("TimeoutStopSec=soon", 3, "TimeoutStopSec=soon: 'soon' is not a time span")]
    [InlineData("SendSIGKILL=perhaps", 3, "SendSIGKILL=perhaps is not a boolean")]
    [InlineData("Type=weird", 3, "Type=weird is not one of simple, exec, forking, oneshot")]
    [InlineData("UMask=0999", 3, "UMask=0999 is not an octal mode")]
    [InlineData("OOMScoreAdjust=2000", 3, "OOMScoreAdjust=2000 is not an integer between -1000 and 1000")]
    [InlineData("MemoryMax=lots", 3, "MemoryMax=lots: 'lots' is not a size")]
    [InlineData("LimitNOFILE=10:5", 3, "LimitNOFILE=10:5: soft limit 10 is above hard limit 5")]
    [InlineData("WorkingDirectory=relative", 3, "WorkingDirectory=relative: must be an absolute path")]
    [InlineData("ExecStop=/bin/echo 'open", 3, "unterminated single quote")]
    [InlineData("ExecStop=/bin/echo %z", 3, "'%z' is not a specifier")]
    public void A_bad_value_is_an_error_naming_file_line_key_and_value(string line, int lineNo, string message)
    {
        var r = Load($"[Service]\nExecStart=/bin/true\n{line}\n".Replace("ExecStart=/bin/true\nExecStart=", "ExecStart="));
        Assert.Null(r.Unit);
        var error = Assert.Single(r.Diagnostics, d => d.Severity == Severity.Error);
        Assert.Equal(lineNo, error.Line);
        Assert.StartsWith($"/etc/corral/units/web.service:{lineNo}: error: ", error.ToString());
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_service_needs_one_ExecStart_unless_it_is_oneshot()
    {
        Assert.Contains("no ExecStart=", Load("[Service]\nType=simple\n").FirstError);
        Assert.Contains("only Type=oneshot allows", Load("[Service]\nExecStart=/bin/a\nExecStart=/bin/b\n").FirstError);
    }

    [Fact]
    public void Specifiers_expand_in_commands()
    {
        var u = ServiceUnitLoader.Load("/u/app@blue.service", "[Service]\nExecStart=/bin/echo %n %N %p %i 100%%\n").Unit!;
        Assert.Equal(["/bin/echo", "app@blue.service", "app@blue", "app", "blue", "100%"], Assert.Single(u.ExecStart).Words);
    }

    [Fact]
    public void Documentation_is_a_list_of_URIs_that_an_empty_value_clears_and_a_word_that_is_not_one_is_warned_about()
    {
        var r = Load("[Unit]\nDocumentation=man:a(8) https://example.org/a\nDocumentation=\nDocumentation=man:b(1)\nDocumentation=info:b\n[Service]\nExecStart=/bin/a\n");
        Assert.Equal(["man:b(1)", "info:b"], r.Documentation);
        Assert.Empty(r.NotEnforced);
        var bad = Load("[Unit]\nDocumentation=see man:c(5)\n[Service]\nExecStart=/bin/a\n");
        Assert.NotNull(bad.Unit); // a warning, as systemd's: the unit loads
        Assert.Equal(["man:c(5)"], bad.Documentation);
        var warning = Assert.Single(bad.Diagnostics, d => d.Severity == Severity.Warning);
        Assert.Equal(2, warning.Line);
        Assert.Contains("'see' is not a URI", warning.Message);
    }

    [Fact]
    public void Every_service_unit_of_this_machine_loads_without_an_exception()
    {
        var files = Directory.Exists("/lib/systemd/system") ? Directory.GetFiles("/lib/systemd/system", "*.service") : [];
        foreach (var file in files)
        {
            var r = ServiceUnitLoader.LoadFile(file);
            Assert.True(r.Unit is not null || r.HasErrors, $"{file}: neither a unit nor an error");
        }
        Assert.True(files.Length == 0 || files.Count(f => ServiceUnitLoader.LoadFile(f).Unit is not null) > files.Length / 2,
            "most of the machine's own services should load");
    }
}
