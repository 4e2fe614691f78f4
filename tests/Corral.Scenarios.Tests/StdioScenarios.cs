using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Where systemd's execution settings differ from Corral's old defaults (issue #14, item 7), through
/// a real daemon: StandardInput=/StandardOutput=/StandardError=, ExecSearchPath=, PassEnvironment=,
/// UnsetEnvironment=.
/// </summary>
public sealed class StdioScenarios : Scenario
{
    private string Out(string name) => Path.Combine(F.Dir, name);

    [Fact]
    public void Output_goes_to_files_appended_truncated_or_nowhere_and_stderr_inherits_stdout()
    {
        string both = Out("both.txt"), appended = Out("appended.txt"), truncated = Out("truncated.txt");
        File.WriteAllText(truncated, "old contents that must go\n");
        F.WriteUnit("tofile", $"[Service]\nType=oneshot\nStandardOutput=file:{both}\nExecStart=/bin/sh -c 'echo out; echo err >&2'\n");
        F.WriteUnit("toappend", $"[Service]\nType=oneshot\nStandardOutput=null\nStandardError=append:{appended}\nExecStart=/bin/sh -c 'echo lost; echo kept >&2'\n");
        F.WriteUnit("totrunc", $"[Service]\nType=oneshot\nStandardOutput=truncate:{truncated}\nExecStart=/bin/echo new\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "tofile").ExitCode);
        Assert.Equal(0, F.Cli("start", "toappend").ExitCode);
        Assert.Equal(0, F.Cli("start", "toappend").ExitCode);
        Assert.Equal(0, F.Cli("start", "totrunc").ExitCode);

        Assert.Equal("out\nerr\n", File.ReadAllText(both));
        Assert.Equal("kept\nkept\n", File.ReadAllText(appended));
        Assert.Equal("new\n", File.ReadAllText(truncated));
        // Nothing of it went to the units' logs.
        Assert.DoesNotContain("lost", F.Cli("logs", "toappend").Stdout);
        Assert.DoesNotContain("out", F.Cli("logs", "tofile").Stdout);
    }

    [Fact]
    public void Input_comes_from_the_units_own_text_and_data_or_from_a_file()
    {
        string fromText = Out("text.txt"), fromFile = Out("file.txt"), source = Out("source.txt");
        File.WriteAllText(source, "from a file\n");
        F.WriteUnit("readtext", $"[Service]\nType=oneshot\nStandardInput=data\nStandardInputText=first line\nStandardInputText=second\\tline\n" +
            $"StandardInputData=dGhpcmQK\nStandardOutput=file:{fromText}\nExecStart=/bin/cat\n");
        F.WriteUnit("readfile", $"[Service]\nType=oneshot\nStandardInput=file:{source}\nStandardOutput=file:{fromFile}\nExecStart=/bin/cat\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "readtext").ExitCode);
        Assert.Equal(0, F.Cli("start", "readfile").ExitCode);

        Assert.Equal("first line\nsecond\tline\nthird\n", File.ReadAllText(fromText));
        Assert.Equal("from a file\n", File.ReadAllText(fromFile));
    }

    [Fact]
    public void The_environment_takes_PassEnvironment_loses_UnsetEnvironment_and_commands_are_found_in_ExecSearchPath()
    {
        string bin = Directory.CreateDirectory(Out("bin")).FullName;
        string env = Out("env.txt");
        File.WriteAllText(Path.Combine(bin, "dump-env"), $"#!/bin/sh\nenv > {env}\n");
        File.SetUnixFileMode(Path.Combine(bin, "dump-env"), (UnixFileMode)0x1ed);
        // The daemon runs with TMPDIR set to the test's directory (see DaemonFixture).
        F.WriteUnit("envy", $"[Service]\nType=oneshot\nExecSearchPath={bin}:/usr/bin:/bin\nPassEnvironment=TMPDIR NOT_IN_THE_DAEMON\n" +
            "Environment=KEEP=1 GONE=2 ONLYIF=x ONLYIF2=y\nUnsetEnvironment=GONE ONLYIF=x ONLYIF2=z\nExecStart=dump-env\n");
        F.Start();

        var start = F.Cli("start", "envy");

        Assert.True(start.ExitCode == 0, start.ToString());
        var lines = File.ReadAllLines(env);
        Assert.Contains($"TMPDIR={F.Dir}", lines);
        Assert.Contains($"PATH={bin}:/usr/bin:/bin", lines);
        Assert.Contains("KEEP=1", lines);
        Assert.Contains("ONLYIF2=y", lines); // UnsetEnvironment=NAME=VALUE removes only that exact assignment
        Assert.DoesNotContain(lines, l => l.StartsWith("GONE=") || l.StartsWith("ONLYIF=") || l.StartsWith("NOT_IN_THE_DAEMON="));
    }

    [Fact]
    public void A_file_that_cannot_be_opened_fails_the_start_naming_the_setting_and_bad_values_do_not_load()
    {
        F.WriteUnit("noroom", $"[Service]\nStandardOutput=file:/nonexistent-corral-dir/out.log\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("relative", "[Service]\nStandardOutput=file:out.log\nExecStart=/bin/true\n");
        F.WriteUnit("nodata", "[Service]\nStandardInput=data\nExecStart=/bin/cat\n");
        F.WriteUnit("tty", "[Service]\nStandardInput=tty\nExecStart=/bin/true\n");
        F.Start();

        var start = F.Cli("start", "noroom");
        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains("StandardOutput=file:/nonexistent-corral-dir/out.log: open /nonexistent-corral-dir/out.log: No such file or directory", start.Stderr);
        Assert.Empty(Survivors.Alive(F.PidsDir));

        Assert.Contains("relative.service:2: StandardOutput=file:out.log: 'out.log' must be an absolute path", F.Cli("status", "relative").Stdout);
        Assert.Contains("StandardInput=data is set but neither StandardInputText= nor StandardInputData= gives any data", F.Cli("status", "nodata").Stdout);
        var verify = F.Cli("verify", Path.Combine(F.UnitDir, "tty.service"));
        Assert.Contains("StandardInput=tty is not supported by Corral", verify.Stderr);
    }
}
