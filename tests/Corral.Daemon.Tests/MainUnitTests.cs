using Corral.Core.Units;
using Corral.Daemon.Init;

namespace Corral.Daemon.Tests;

/// <summary>corral init's main.service: the command reaches the unit as it was given, whatever it holds.</summary>
public sealed class MainUnitTests
{
    private static ServiceUnit Load(string[] command, Dictionary<string, string>? env = null, string cwd = "/srv/app %d")
    {
        string text = MainUnit.Text(new InitOptions { Command = command, Grace = TimeSpan.FromSeconds(7) }, env ?? new() { ["PATH"] = "/usr/bin:/bin" }, cwd);
        var r = ServiceUnitLoader.Load("/run/init-units/main.service", text);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        Assert.DoesNotContain(r.Diagnostics, d => d.ToString().Contains("warning") || d.ToString().Contains("error"));
        return r.Unit!;
    }

    [Fact]
    public void Every_argument_survives_quotes_backslashes_dollars_percents_tabs_and_spaces()
    {
        string[] command = ["/bin/echo", "two words", "a\"quote", "back\\slash", "$HOME ${PATH} $$", "100% %n %%", "tab\there", "", "ünïcode"];
        var exec = Load(command).ExecStart.Single();
        Assert.Equal("/bin/echo", exec.Path);
        // As the executor will get them: no variable of the command's environment is expanded in them.
        Assert.Equal(command, exec.ExpandArgv(new Dictionary<string, string> { ["HOME"] = "/root", ["PATH"] = "/usr/bin" }));
    }

    [Fact]
    public void A_command_without_a_slash_is_found_on_PATH_and_the_environment_is_passed_by_name()
    {
        var unit = Load(["sh", "-c", "exit 0"], new() { ["PATH"] = "/nonexistent:/bin", ["APP_MODE"] = "x", ["CORRAL_SOCKET"] = "/s", ["bad-name"] = "y" });
        Assert.Equal("/bin/sh", unit.ExecStart.Single().Path);
        Assert.Equal(["APP_MODE", "PATH"], unit.PassEnvironment.Order());
        Assert.Equal(TimeSpan.FromSeconds(7), unit.TimeoutStop);
        Assert.Equal("/srv/app %d", unit.WorkingDirectory);
    }

    [Fact]
    public void A_line_break_in_an_argument_is_refused_by_its_place()
    {
        var e = Assert.Throws<ArgumentException>(() => MainUnit.Text(new InitOptions { Command = ["/bin/echo", "ok", "a\nb"] }, new Dictionary<string, string>(), "/"));
        Assert.Equal("init: argument 2 of the command (a\\x0ab) holds a line break or NUL, which a unit file cannot carry", e.Message);
    }
}
