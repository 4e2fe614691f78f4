using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Condition*=, Assert*= and ExecCondition= (issue #14, item 2) through the real CLI and daemon: an
/// unmet condition skips the start — the job succeeds, the unit stays inactive, status says why; an
/// unmet assertion fails the job; ConditionVirtualization= agrees with Debian's systemd-detect-virt.
/// </summary>
public sealed class ConditionScenarios : Scenario
{
    [Fact]
    public void An_unmet_condition_skips_the_start_and_status_and_show_say_which()
    {
        string flag = Path.Combine(F.Dir, "do-not-run");
        F.WriteUnit("guarded", $"[Unit]\nConditionPathExists=!{flag}\nConditionPathExistsGlob={F.Dir}/uni*/guarded.ser?ice\n" +
            $"ConditionKernelCommandLine={File.ReadAllText("/proc/cmdline").Split(' ')[0].Split('=')[0]}\n" +
            $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "guarded").ExitCode);
        Assert.Equal(("active", "yes"), (F.Prop("guarded", "ActiveState"), F.Prop("guarded", "ConditionResult")));
        Assert.Equal(0, F.Cli("stop", "guarded").ExitCode);
        File.WriteAllText(flag, "");
        int before = Survivors.Recorded(F.PidsDir).Count;

        var start = F.Cli("start", "guarded");

        Assert.True(start.ExitCode == 0, start.ToString()); // a skipped start is no failure, as systemctl start
        Assert.Contains($"start skipped: ConditionPathExists=!{flag} was not met", start.Stderr);
        Assert.Equal(("inactive", "dead", "no"), (F.Prop("guarded", "ActiveState"), F.Prop("guarded", "SubState"), F.Prop("guarded", "ConditionResult")));
        Assert.Equal(before, Survivors.Recorded(F.PidsDir).Count);
        Assert.Contains($"  Condition: start skipped at ", F.Cli("status", "guarded").Stdout);
        Assert.Contains($": ConditionPathExists=!{flag} was not met", F.Cli("status", "guarded").Stdout);
    }

    [Fact]
    public void A_triggering_condition_is_enough_alone_and_an_unknown_kernel_word_skips()
    {
        F.WriteUnit("either", $"[Unit]\nConditionPathExists=|/no/such/path\nConditionPathIsDirectory=|{F.Dir}\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("word", $"[Unit]\nConditionKernelCommandLine=corral.no-such-word\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "either").ExitCode);
        Assert.Equal("active", F.Prop("either", "ActiveState"));
        Assert.Equal(0, F.Cli("start", "word").ExitCode);
        Assert.Equal(("inactive", "no"), (F.Prop("word", "ActiveState"), F.Prop("word", "ConditionResult")));
        Assert.Equal(0, F.Cli("stop", "either").ExitCode);
    }

    [Fact]
    public void An_unmet_assertion_fails_the_job_and_leaves_the_unit_inactive()
    {
        F.WriteUnit("asserted", $"[Unit]\nAssertFileNotEmpty={F.Dir}/empty\n[Service]\nExecStart={F.Workload("sleep")}\n");
        File.WriteAllText(Path.Combine(F.Dir, "empty"), "");
        F.Start();

        var start = F.Cli("start", "asserted");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains($"Assertion failed on job for asserted.service: AssertFileNotEmpty={F.Dir}/empty was not met", start.Stderr);
        Assert.Equal(("inactive", "no"), (F.Prop("asserted", "ActiveState"), F.Prop("asserted", "AssertResult")));
        Assert.Contains("     Assert: start assertion failed at ", F.Cli("status", "asserted").Stdout);
        Assert.Empty(Survivors.Recorded(F.PidsDir));

        File.WriteAllText(Path.Combine(F.Dir, "empty"), "now it is not");
        Assert.Equal(0, F.Cli("start", "asserted").ExitCode);
        Assert.Equal(("active", "yes"), (F.Prop("asserted", "ActiveState"), F.Prop("asserted", "AssertResult")));
        Assert.Equal(0, F.Cli("stop", "asserted").ExitCode);
    }

    [Fact]
    public void ExecCondition_exiting_1_skips_exiting_255_fails_and_exiting_0_starts()
    {
        string answer = Path.Combine(F.Dir, "answer");
        F.WriteUnit("checked", $"[Service]\nExecCondition=/bin/sh -c 'exit $(cat {answer})'\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        File.WriteAllText(answer, "1");
        var skipped = F.Cli("start", "checked");
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Contains("start skipped: ExecCondition=/bin/sh -c ", skipped.Stderr);
        Assert.Contains("exited with status 1", skipped.Stderr);
        Assert.Equal(("inactive", "exec-condition"), (F.Prop("checked", "ActiveState"), F.Prop("checked", "Result")));
        Assert.Contains("exited with status 1", F.Cli("status", "checked").Stdout);

        File.WriteAllText(answer, "255");
        Assert.NotEqual(0, F.Cli("start", "checked").ExitCode);
        Assert.Equal(("failed", "exit-code"), (F.Prop("checked", "ActiveState"), F.Prop("checked", "Result")));
        Assert.Contains("     Active: failed (Result: exit-code) since ", F.Cli("status", "checked").Stdout);

        File.WriteAllText(answer, "0");
        Assert.Equal(0, F.Cli("start", "checked").ExitCode);
        Assert.Equal("active", F.Prop("checked", "ActiveState"));
        Assert.Equal(0, F.Cli("stop", "checked").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void ConditionVirtualization_agrees_with_systemd_detect_virt()
    {
        string detected = DetectVirt();
        var cases = new (string Unit, string Value, string[] Args)[]
        {
            ("v-any", "yes", []), ("v-none", "no", []), ("v-vm", "vm", ["--vm"]), ("v-ct", "container", ["--container"]),
            ("v-named", detected == "none" ? "kvm" : detected, []),
        };
        foreach (var c in cases)
            F.WriteUnit(c.Unit, $"[Unit]\nConditionVirtualization={c.Value}\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        foreach (var c in cases)
        {
            Assert.Equal(0, F.Cli("start", c.Unit).ExitCode);
            bool expected = c.Unit switch
            {
                "v-none" => detected == "none",
                "v-named" => detected != "none",
                _ => DetectVirtSays(c.Args),
            };
            Assert.True((F.Prop(c.Unit, "ActiveState") == "active") == expected,
                $"ConditionVirtualization={c.Value}: systemd-detect-virt {string.Join(' ', c.Args)} says {(expected ? "yes" : "no")} ({detected}), Corral disagreed");
            F.Cli("stop", c.Unit);
        }
    }

    private static string DetectVirt() => Programs.Output("/usr/bin/systemd-detect-virt");

    private static bool DetectVirtSays(string[] args) => Programs.ExitCode("/usr/bin/systemd-detect-virt", [.. args, "--quiet"]) == 0;
}
