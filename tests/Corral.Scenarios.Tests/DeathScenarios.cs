using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>SCENARIOS W1 and W5: every death is recorded with its decoded status and its cause.</summary>
public sealed class DeathScenarios : Scenario
{
    private JsonElement LastDeath(string unit, bool all = false)
    {
        Wait.Until(() => Deaths(unit, all).Count > 0, TimeSpan.FromSeconds(10), $"a death record of {unit}");
        return Deaths(unit, all)[0];
    }

    private List<JsonElement> Deaths(string unit, bool all = false, int n = 1)
    {
        var r = F.Cli(["why", unit, "-n", n.ToString(), "--json", .. all ? new[] { "--all" } : []]);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("deaths").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Theory]
    [InlineData("exit 0", "exited", 0, "exit", "1", "0", "success")]
    [InlineData("exit 3", "exited", 3, "exit", "1", "3", "exit-code")]
    [InlineData("exit 137", "exited", 137, "exit", "1", "137", "exit-code")]
    [InlineData("raise TERM", "killed", 15, "signal", "2", "15", "success")]
    [InlineData("raise KILL", "killed", 9, "signal", "2", "9", "signal")]
    [InlineData("segv", "killed", 11, "kernel", "2", "11", "signal")]
    [InlineData("segv core", "dumped", 11, "kernel", "3", "11", "core-dump")]
    public void W1_Exit_codes_signals_and_core_dumps_are_told_apart(string mode, string code, int status, string cause, string execMainCode, string execMainStatus, string result)
    {
        bool core = mode.EndsWith(" core");
        StartService("w1", $"[Service]\nExecStart={F.Workload(core ? "segv" : mode)}\nWorkingDirectory={F.Dir}\nLimitCORE={(core ? "infinity" : "0")}\n");

        var d = LastDeath("w1");

        Assert.Equal(code, d.GetProperty("code").GetString());
        Assert.Equal(status, d.GetProperty("status").GetInt32());
        Assert.Equal(cause, d.GetProperty("cause").GetString());
        Assert.Equal("main", d.GetProperty("role").GetString());
        Assert.Equal("corral-workload", d.GetProperty("comm").GetString());
        if (cause == "signal") // it sent the signal itself, and tracing says so
            Assert.Equal(d.GetProperty("pid").GetInt32(), d.GetProperty("sender").GetProperty("pid").GetInt32());
        Wait.Until(() => F.Prop("w1", "ActiveState") is "inactive" or "failed", TimeSpan.FromSeconds(10), "the unit to stop");
        Assert.Equal(execMainCode, F.Prop("w1", "ExecMainCode"));
        Assert.Equal(execMainStatus, F.Prop("w1", "ExecMainStatus"));
        Assert.Equal(result, F.Prop("w1", "Result"));
        string sentence = F.Cli("why", "w1").Stdout;
        if (code == "exited") Assert.Contains($"exited with status {status}", sentence);
        else Assert.DoesNotContain("exited", sentence);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void W2_An_external_killer_is_named_with_pid_command_and_uid(bool asNobody)
    {
        StartService("w2", $"[Service]\nExecStart={F.Workload("sleep")}\n{(asNobody ? "User=nobody\n" : "")}");
        WaitForRecorded(1);
        int main = int.Parse(F.Prop("w2", "MainPID"));
        string[] killer = asNobody
            ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/kill", "-9", main.ToString()]
            : ["/bin/sh", "-c", $"kill -9 {main}"];

        int killerPid;
        using (var p = System.Diagnostics.Process.Start(killer[0], killer[1..]))
        {
            killerPid = p.Id;
            p.WaitForExit();
            Assert.Equal(0, p.ExitCode);
        }

        var d = LastDeath("w2");
        Assert.Equal("signal", d.GetProperty("cause").GetString());
        Assert.Equal("SIGKILL", d.GetProperty("signal").GetString());
        var sender = d.GetProperty("sender");
        Assert.Equal(killerPid, sender.GetProperty("pid").GetInt32()); // setpriv execs kill in place: same pid
        Assert.Equal(asNobody ? "kill" : "sh", sender.GetProperty("comm").GetString());
        Assert.Equal(asNobody ? 65534 : 0, sender.GetProperty("uid").GetInt32());
        Assert.Equal(asNobody ? "nobody" : "root", sender.GetProperty("user").GetString());
        Assert.Contains($"sent by pid {killerPid} ({(asNobody ? "kill, uid 65534 nobody" : "sh, uid 0 root")})", F.Cli("why", "w2").Stdout);
    }

    [Fact]
    public void With_tracing_disabled_the_record_says_why_the_sender_is_unknown()
    {
        F.WriteUnit("nt", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start("--no-tracing");
        Assert.Equal(0, F.Cli("start", "nt").ExitCode);
        WaitForRecorded(1);
        using (var p = System.Diagnostics.Process.Start("/bin/sh", ["-c", $"kill -9 {F.Prop("nt", "MainPID")}"])) p.WaitForExit();

        var d = LastDeath("nt");
        Assert.Equal("unknown", d.GetProperty("cause").GetString());
        Assert.Equal("sender unknown: tracing unavailable: tracing disabled (--no-tracing)", d.GetProperty("reason").GetString());
    }

    [Fact]
    public void W3_An_OOM_kill_names_the_victim_with_the_kernels_figures_and_the_limit()
    {
        StartService("w3", $"[Service]\nExecStart={F.Workload("alloc 200")}\nMemoryMax=64M\n");

        var d = LastDeath("w3");

        Assert.Equal("oom-kill", d.GetProperty("cause").GetString());
        Assert.Equal("SIGKILL", d.GetProperty("signal").GetString());
        var oom = d.GetProperty("oom");
        Assert.Equal("memory cgroup of w3.service", oom.GetProperty("scope").GetString());
        Assert.Equal(64L << 20, oom.GetProperty("limitBytes").GetInt64());
        Assert.InRange(oom.GetProperty("anonRssKb").GetInt64(), 32_000, 66_000);
        Assert.True(oom.GetProperty("totalVmKb").GetInt64() > 200_000);
        Assert.InRange(oom.GetProperty("peakBytes").GetInt64(), 32L << 20, 64L << 20);
        string why = F.Cli("why", "w3").Stdout;
        Assert.Contains("was killed by SIGKILL from the kernel OOM killer", why);
        Assert.Contains("limit 64 MiB", why);
        Assert.Contains("(memory cgroup of w3.service)", why);
        Wait.Until(() => F.Prop("w3", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "the unit to fail");
        Assert.Equal("oom-kill", F.Prop("w3", "Result"));
    }

    [Fact]
    public void W4_After_an_OOM_kill_of_a_child_a_clean_SIGTERM_of_main_is_not_labelled_OOM()
    {
        StartService("w4", $"[Service]\nExecStart={F.Workload("--log-signals oom-child 200")}\nMemoryMax=64M\n");
        int main = int.Parse(F.Prop("w4", "MainPID"));
        Wait.Until(() => Deaths("w4", all: true, n: 5).Any(d => d.GetProperty("cause").GetString() == "oom-kill"), TimeSpan.FromSeconds(20), "the child's OOM kill");
        var child = Deaths("w4", all: true, n: 5).Single(d => d.GetProperty("cause").GetString() == "oom-kill");
        Assert.Equal("process", child.GetProperty("role").GetString());
        Assert.NotEqual(main, child.GetProperty("pid").GetInt32());

        Assert.Equal(0, F.Cli("stop", "w4").ExitCode);

        var d = LastDeath("w4");
        Assert.Equal(main, d.GetProperty("pid").GetInt32());
        Assert.Equal("SIGTERM", d.GetProperty("signal").GetString());
        Assert.Equal("corral", d.GetProperty("cause").GetString());
        Assert.Equal("success", F.Prop("w4", "Result"));
    }

    [Fact]
    public void W5_Stop_escalation_is_recorded_as_Corrals_SIGTERM_then_SIGKILL_with_the_reason()
    {
        StartService("w5", $"[Service]\nExecStart={F.Workload("--ignore TERM sleep")}\nTimeoutStopSec=1\n");
        WaitForRecorded(1);
        Assert.Equal(0, F.Cli("stop", "w5").ExitCode);

        var d = LastDeath("w5");

        Assert.Equal("corral", d.GetProperty("cause").GetString());
        Assert.Equal("SIGKILL", d.GetProperty("signal").GetString());
        var corral = d.GetProperty("corral");
        Assert.Equal("SIGKILL", corral.GetProperty("signal").GetString());
        Assert.Equal("stop", corral.GetProperty("verb").GetString());
        Assert.Equal(0, corral.GetProperty("callerUid").GetInt32());
        Assert.Contains("TimeoutStopSec= (1s) passed", corral.GetProperty("reason").GetString());
        var chain = d.GetProperty("corralSignals").EnumerateArray().Select(k => k.GetProperty("signal").GetString()).ToList();
        Assert.Equal(["SIGTERM", "SIGKILL"], chain);
        Assert.Contains("from corral (stop", F.Cli("why", "w5").Stdout);
        Assert.Contains("Last death:", F.Cli("status", "w5").Stdout);
    }

    [Fact]
    public void The_kill_verb_is_recorded_as_Corrals_with_the_verb()
    {
        StartService("kv", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        WaitForRecorded(1);

        Assert.Equal(0, F.Cli("kill", "kv", "-s", "KILL", "--kill-whom=main").ExitCode);

        var d = LastDeath("kv");
        Assert.Equal("corral", d.GetProperty("cause").GetString());
        Assert.Equal("kill", d.GetProperty("corral").GetProperty("verb").GetString());
        Assert.Equal("corral kill --kill-whom=main", d.GetProperty("corral").GetProperty("reason").GetString());
    }

    [Fact]
    public void A_grandchild_reaped_by_its_own_parent_is_recorded_too()
    {
        StartService("gc", $"[Service]\nExecStart={F.Workload("double-fork")}\n");
        WaitForRecorded(3);
        int main = int.Parse(F.Prop("gc", "MainPID"));
        // The intermediate child exits 0 and its parent (the main process) reaps it, not Corral.
        int child = Survivors.Recorded(F.PidsDir).Single(p => p != main && !Survivors.IsAlive(F.PidsDir, p));

        Wait.Until(() => Deaths("gc", all: true, n: 10).Any(d => d.GetProperty("pid").GetInt32() == child), TimeSpan.FromSeconds(10), "the child's record");
        var d = Deaths("gc", all: true, n: 10).Single(d => d.GetProperty("pid").GetInt32() == child);

        Assert.Equal("process", d.GetProperty("role").GetString());
        Assert.Equal("exited", d.GetProperty("code").GetString());
        Assert.Equal(0, d.GetProperty("status").GetInt32());
        Assert.Equal("exit", d.GetProperty("cause").GetString());
    }

    [Fact]
    public void A_daemon_killed_with_SIGKILL_loses_no_committed_record_and_its_successor_cleans_its_trace_instance()
    {
        StartService("dur", $"[Service]\nExecStart={F.Workload("exit 9")}\n");
        long id = LastDeath("dur").GetProperty("id").GetInt64();
        // The instances directory is the whole machine's: only this test's daemons' instances (corral-PID-*) are counted.
        string instances = Path.Combine(F.Dir, "state", "tracefs", "instances");
        string[] Of(int pid) => Directory.GetDirectories(instances, $"corral-{pid}-*");
        int first = F.DaemonPid;
        var before = Of(first);
        Assert.Single(before);

        F.KillDaemon();
        F.Start();

        var d = LastDeath("dur");
        Assert.Equal(id, d.GetProperty("id").GetInt64());
        Assert.Equal(9, d.GetProperty("status").GetInt32());
        Assert.Empty(Of(first));
        Assert.Single(Of(F.DaemonPid));
    }

    [Fact]
    public void Records_outlive_the_daemon_and_events_lists_them()
    {
        StartService("ev", $"[Service]\nExecStart={F.Workload("exit 5")}\n");
        LastDeath("ev");
        var events = F.Cli("events", "--unit", "ev");
        Assert.Equal(0, events.ExitCode);
        Assert.Contains("exited with status 5", events.Stdout);

        var bad = F.Cli("events", "--since", "next tuesday");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("--since 'next tuesday' is not a time", bad.Stderr);
    }
}
