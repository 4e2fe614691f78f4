using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Full disks (issue #11, item 4), on small tmpfs mounts of the test's own: a full log filesystem
/// loses lines, counted and told, never the daemon or the service; a full state filesystem holds
/// death records in memory until there is room; a run whose record could not be written is adopted
/// by the next daemon, not killed; standard error on a full disk crashes nothing.
/// </summary>
public sealed class SecurityDiskScenarios : Scenario
{
    private JsonElement StatusJson(string unit) => JsonDocument.Parse(F.Cli("status", unit, "--json").Stdout).RootElement;

    [Fact]
    public void A_full_log_filesystem_loses_lines_counted_and_told_never_the_daemon()
    {
        Mounts.Tmpfs(F.LogDir, "2m");
        F.WriteUnit("flood", $"[Service]\nExecStart={F.Workload("flood")}\n");
        F.WriteUnit("quiet", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "flood", "quiet").ExitCode);

        var loss = WaitForNotice("flood.service", "log-loss", 30);
        Assert.Contains("No space left on device", loss.GetProperty("message").GetString());
        long lost = StatusJson("flood").GetProperty("logBytesLost").GetInt64();
        Assert.True(lost > 0);
        // The service is not blocked on its pipe: it goes on writing, and what it writes is counted as lost.
        Wait.Until(() => StatusJson("flood").GetProperty("logBytesLost").GetInt64() > lost + 10_000_000, TimeSpan.FromSeconds(30), "more lost output");
        Assert.Equal("active", F.Prop("flood", "ActiveState"));
        Assert.Equal("active", F.Prop("quiet", "ActiveState"));
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.Equal(0, F.Cli("logs", "flood", "-n", "3").ExitCode);

        // Room again (the files removed): writing resumes by itself, and a notice says what was lost.
        Assert.Equal(0, F.Cli("stop", "flood").ExitCode);
        foreach (var f in Directory.GetFiles(F.LogDir)) File.Delete(f);
        Assert.Equal(0, F.Cli("start", "flood").ExitCode);
        var ended = WaitForNotice("flood.service", "log-loss-ended", 30);
        Assert.True(ended.GetProperty("count").GetInt64() > 0);
        Assert.Matches(@"^\d+ bytes \(\d+ lines\) of output of flood.service were lost between", ended.GetProperty("message").GetString());

        // A daemon started again while the disk is full comes up and stays up.
        Assert.Equal(0, F.Cli("stop", "flood").ExitCode);
        Mounts.Fill(F.LogDir);
        Linux.Signaller.TryKill(F.DaemonPid, 15);
        Assert.Equal(0, F.WaitForDaemonExit());
        F.Start();
        int losses = LogLosses();
        Assert.Equal(0, F.Cli("start", "flood").ExitCode);
        Wait.Until(() => LogLosses() > losses, TimeSpan.FromSeconds(30), "a log-loss notice from the new daemon");
        Thread.Sleep(2000);
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.Equal("active", F.Prop("flood", "ActiveState"));
    }

    private int LogLosses() => Notices("flood.service").Count(n => n.GetProperty("kind").GetString() == "log-loss");

    [Fact]
    public void Standard_error_on_a_full_disk_crashes_nothing()
    {
        // Every diagnostic the daemon writes goes to /dev/full: ENOSPC at each line.
        F.WriteUnit("broken", "[Service]\nExecStart=relative/path\nBogusKey=1\n");
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.StartUnder(["/bin/sh", "-c", "exec \"$0\" \"$@\" 2>/dev/full"]);
        for (int i = 0; i < 3; i++)
        {
            Assert.NotEqual(0, F.Cli("start", "broken").ExitCode);
            Assert.Equal(0, F.Cli("daemon-reload").ExitCode);
        }
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        Assert.Equal(0, F.Cli("kill", "web", "-s", "KILL").ExitCode);
        Wait.Until(() => F.Prop("web", "ActiveState") != "active", TimeSpan.FromSeconds(10), "web to die");
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.True(Directory.Exists($"/proc/{F.DaemonPid}"));
    }

    [Fact]
    public void A_full_state_filesystem_holds_death_records_in_memory_and_writes_them_when_there_is_room()
    {
        string state = Path.Combine(F.Dir, "state");
        Mounts.Tmpfs(state, "8m");
        F.WriteUnit("victim", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "victim").ExitCode);
        string filler = Mounts.Fill(state);
        int pid = int.Parse(F.Prop("victim", "MainPID"));

        Assert.Equal(0, F.Cli("kill", "victim", "-s", "KILL").ExitCode);
        Wait.Until(() => F.Prop("victim", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "victim to fail");
        Wait.Until(() => File.ReadAllText(F.DaemonLog).Contains("death records and notices are held in memory"), TimeSpan.FromSeconds(10), "the daemon to hold the record");
        Assert.DoesNotContain($"\"pid\":{pid}", F.Cli("why", "victim", "--json").Stdout);
        // The failed run's record was removed, which freed its page: take it (and anything else freed) too.
        string filler2 = Mounts.Fill(state, "filler2");

        // A start still starts, and says that its run record could not be written.
        var start = F.Cli("start", "victim");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Contains("warning: victim.service runs, but its run record could not be written", start.Stderr);

        // Room again: the held record is written at the next tick, with a notice on each side.
        File.Delete(filler);
        File.Delete(filler2);
        Wait.Until(() => F.Cli("why", "victim", "--json").Stdout.Contains($"\"pid\":{pid}"), TimeSpan.FromSeconds(10), "the held death record in the store");
        var death = JsonDocument.Parse(F.Cli("why", "victim", "--json").Stdout).RootElement.GetProperty("deaths").EnumerateArray().First(d => d.GetProperty("pid").GetInt32() == pid);
        Assert.Equal("corral", death.GetProperty("cause").GetString());
        var kinds = Notices().Select(n => n.GetProperty("kind").GetString()).ToList();
        Assert.Contains("records-held", kinds);
        Assert.Contains("records-written", kinds);
        Assert.True(kinds.IndexOf("records-held") < kinds.IndexOf("records-written"));
    }

    private List<int> Ticks() => F.Cli("logs", "talker", "-n", "1000").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => int.Parse(l.Split(" tick ")[1])).ToList();

    [Fact]
    public void A_run_whose_record_could_not_be_written_is_adopted_by_the_next_daemon_not_killed()
    {
        string state = Path.Combine(F.Dir, "state");
        Mounts.Tmpfs(state, "8m");
        F.WriteUnit("late", $"[Service]\nExecStart={F.Workload("--log-signals sleep")}\n");
        F.WriteUnit("talker", "[Service]\nExecStart=/bin/sh -c 'i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 0.05; done'\n");
        F.Start();
        string filler = Mounts.Fill(state);
        var start = F.Cli("start", "late");
        Assert.Contains("its run record could not be written", start.Stderr);
        Assert.Contains("its run record could not be written", F.Cli("start", "talker").Stderr);
        Assert.False(File.Exists(Path.Combine(state, "runs", "late.service.json")));
        string pid = F.Prop("late", "MainPID");

        F.KillDaemon();
        File.Delete(filler);
        F.Start();
        Assert.Equal("active", F.Prop("late", "ActiveState"));
        Assert.Equal(pid, F.Prop("late", "MainPID"));
        Assert.True(Directory.Exists($"/proc/{pid}"));
        Assert.DoesNotContain(F.SignalLines(), l => l.StartsWith($"{pid} ", StringComparison.Ordinal));
        var notice = WaitForNotice("late.service", "adopted-unrecorded");
        Assert.Contains($"main process guessed: {pid}", notice.GetProperty("message").GetString());
        // Its output pipes are found from the guessed main process: what it wrote while no daemon
        // ran is in its log, and what it writes now too, with no line lost.
        WaitForNotice("talker.service", "adopted-unrecorded");
        Wait.Until(() => Ticks().Count > 40, TimeSpan.FromSeconds(10), "talker's lines after the takeover");
        var ticks = Ticks();
        Assert.Equal(Enumerable.Range(0, ticks.Count), ticks);

        // It is the unit's run as any other: stop reaches it, and its death is Corral's stop.
        Assert.Equal(0, F.Cli("stop", "late", "talker").ExitCode);
        Assert.Contains($"{pid} TERM", F.SignalLines());
        AssertNoSurvivors();
    }
}
