using System.Text;
using System.Text.Json;
using Corral.Linux;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #17 item 3: <c>corral daemon-reexec</c> replaces the daemon's program in the same process: every
/// service keeps running, no client is refused, no line of output and no death is lost.
/// </summary>
public sealed class ReexecScenarios : Scenario
{
    // A numbered line every millisecond or so, each followed by a process (sleep) that ends.
    private const string Numbered = "[Service]\nExecStart=/bin/sh -c 'i=0; while :; do echo line $$i; i=$$((i+1)); sleep 0.001; done'\n";

    private List<JsonElement> Deaths(string unit, bool all = false)
    {
        using var doc = JsonDocument.Parse(F.Cli(["why", unit, "-n", "100000", "--json", .. all ? new[] { "--all" } : []]).Stdout);
        return doc.RootElement.GetProperty("deaths").EnumerateArray().Select(d => d.Clone()).ToList();
    }

    private static string Exe(int pid) => File.ResolveLinkTarget($"/proc/{pid}/exe", false)!.FullName;

    [Fact]
    public void Daemon_reexec_keeps_every_service_with_no_gap_in_its_output_no_refused_request_and_no_death_unrecorded()
    {
        F.WriteUnit("numbered", Numbered);
        F.WriteUnit("steady", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "numbered", "steady").ExitCode);
        int numbered = int.Parse(F.Prop("numbered", "MainPID")), steady = int.Parse(F.Prop("steady", "MainPID"));
        Wait.Until(() => F.Cli("logs", "numbered").Stdout.Contains("line 50"), TimeSpan.FromSeconds(10), "the numbered lines");
        string program = Exe(F.DaemonPid);

        // A client asking for the list over and over, on its own connection each time, all along.
        int asked = 0;
        var refused = new List<string>();
        using var stop = new CancellationTokenSource();
        var poller = new Thread(() =>
        {
            var request = Encoding.ASCII.GetBytes("GET /v1/units HTTP/1.1\r\nHost: corral\r\n\r\n");
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var (status, _) = F.SocketRequest(request);
                    if (status != 200) lock (refused) refused.Add($"status {status}");
                }
                catch (Exception e) { lock (refused) refused.Add(e.Message); }
                Interlocked.Increment(ref asked);
            }
        });
        poller.Start();
        Wait.Until(() => Volatile.Read(ref asked) > 20, TimeSpan.FromSeconds(10), "the poller's first answers");
        int before = Volatile.Read(ref asked);
        var r = F.Cli("daemon-reexec");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Wait.Until(() => Volatile.Read(ref asked) > before + 20, TimeSpan.FromSeconds(10), "answers after the exec");
        stop.Cancel();
        poller.Join();
        Assert.Empty(refused);

        // The same process runs the program again, and it took everything over.
        string log = File.ReadAllText(F.DaemonLog);
        Assert.Contains("corral: re-executing ", log);
        Assert.Contains("corral: re-executed: taking over control ", log);
        Assert.Equal(program, Exe(F.DaemonPid));
        Assert.Equal((numbered.ToString(), "active"), (F.Prop("numbered", "MainPID"), F.Prop("numbered", "ActiveState")));
        Assert.Equal((steady.ToString(), "active"), (F.Prop("steady", "MainPID"), F.Prop("steady", "ActiveState")));
        Assert.Single(CgroupPids("steady")); // nothing started twice

        Thread.Sleep(300);
        Assert.Equal(0, F.Cli("stop", "numbered").ExitCode);
        // Every line, those written across the exec included, is in the log once, in order.
        var lines = F.Cli("logs", "numbered", "-n", "1000000").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => int.Parse(l.Split(" line ")[1])).ToList();
        Assert.Equal(Enumerable.Range(0, lines.Count), lines);
        // Each line i is followed by a sleep that ended: every one of them is a death on record,
        // those that ended while the new program started included (the last may not have begun).
        int sleeps = Deaths("numbered", all: true).Count(d => d.GetProperty("role").GetString() == "process");
        Assert.InRange(sleeps, lines.Count - 1, lines.Count);

        // SIGTERM still stops every service, as a host's shutdown needs.
        Assert.True(Signaller.TryKill(F.DaemonPid, 15));
        Assert.Equal(0, F.WaitForDaemonExit());
        AssertNoSurvivors();
        Assert.Empty(CgroupPids("steady"));
    }

    [Fact]
    public void A_main_process_that_ends_while_the_new_program_starts_is_recorded_with_its_signal_and_sender()
    {
        F.WriteUnit("frail", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "frail").ExitCode);
        int main = int.Parse(F.Prop("frail", "MainPID"));

        // Answered once the old program has stopped reaping and reading events: the death that follows is the new program's to record.
        var (status, body) = F.SocketRequest(Encoding.ASCII.GetBytes("POST /v1/daemon-reexec HTTP/1.1\r\nHost: corral\r\n\r\n"));
        Assert.True(status == 200, body);
        Assert.True(Signaller.TryKill(main, 15));
        var list = F.Cli("list"); // answered by the new program
        Assert.True(list.ExitCode == 0, list.Stderr + File.ReadAllText(F.DaemonLog));

        Wait.Until(() => F.Prop("frail", "ActiveState") is "failed" or "inactive", TimeSpan.FromSeconds(10), "the main process's end");
        Wait.Until(() => Deaths("frail").Any(x => x.GetProperty("pid").GetInt32() == main), TimeSpan.FromSeconds(5), "the death's record");
        var d = Deaths("frail").Single(x => x.GetProperty("pid").GetInt32() == main);
        Assert.Equal(("signal", "SIGTERM"), (d.GetProperty("cause").GetString(), d.GetProperty("signal").GetString()));
        Assert.Equal(Environment.ProcessId, d.GetProperty("sender").GetProperty("pid").GetInt32());
        Assert.Contains("re-executed", File.ReadAllText(F.DaemonLog));
    }

    [Fact]
    public void A_unit_that_stays_in_the_middle_of_a_stop_makes_the_reexec_refused_and_nothing_changes()
    {
        F.WriteUnit("slow", $"[Service]\nExecStart={F.Workload("sleep")}\nExecStop=/bin/sleep 13\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "slow").ExitCode);
        int main = int.Parse(F.Prop("slow", "MainPID"));
        Assert.Equal(0, F.Cli("stop", "slow", "--no-block").ExitCode);
        Wait.Until(() => F.Prop("slow", "ActiveState") == "deactivating", TimeSpan.FromSeconds(5), "the stop");

        var r = F.Cli("daemon-reexec");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("not re-executed: still under way after 10s: slow.service (stop), job ", r.Stderr);
        Assert.DoesNotContain("re-executing", File.ReadAllText(F.DaemonLog));
        // The daemon goes on as it was: the stop finishes, and the API answers.
        Wait.Until(() => F.Prop("slow", "ActiveState") == "inactive", TimeSpan.FromSeconds(15), "the stop to finish");
        Assert.DoesNotContain(main, Survivors.Alive(F.PidsDir));
    }

    [Fact]
    public void On_a_full_state_filesystem_it_is_refused_and_the_daemon_goes_on_as_it_was()
    {
        string state = Path.Combine(F.Dir, "state");
        Mounts.Tmpfs(state, "8m");
        F.WriteUnit("talker", "[Service]\nExecStart=/bin/sh -c 'i=0; while :; do echo tick $$i; i=$$((i+1)); sleep 0.01; done'\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "talker").ExitCode);
        int main = int.Parse(F.Prop("talker", "MainPID"));
        string filler = Mounts.Fill(state);

        var r = F.Cli("daemon-reexec");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"not re-executed: cannot write {Path.Combine(state, "handover.json")}", r.Stderr);
        Assert.Contains("the daemon goes on as it is", r.Stderr);
        Assert.DoesNotContain("re-executing", File.ReadAllText(F.DaemonLog));
        File.Delete(filler);

        // Everything it had paused runs again: the output is read (no line lost), a death is recorded, the socket answers.
        Thread.Sleep(300);
        Assert.Equal(0, F.Cli("stop", "talker").ExitCode);
        var ticks = F.Cli("logs", "talker", "-n", "100000").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => int.Parse(l.Split(" tick ")[1])).ToList();
        Assert.Equal(Enumerable.Range(0, ticks.Count), ticks);
        Wait.Until(() => Deaths("talker").Any(d => d.GetProperty("pid").GetInt32() == main), TimeSpan.FromSeconds(5), "the stop's death record");
        Assert.False(File.Exists(Path.Combine(state, "handover.json")));
    }

    [Fact]
    public async Task Only_root_may_ask_for_it_and_never_over_HTTP()
    {
        F.WriteUnit("steady", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start("--socket-group", "65534", "--http", "127.0.0.1:0");
        var r = F.CliAs(TimeSpan.FromSeconds(30), ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], "daemon-reexec");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("daemon-reexec", r.Stderr);
        string log = File.ReadAllText(F.DaemonLog);
        var port = System.Text.RegularExpressions.Regex.Match(log, @"HTTP on http://127\.0\.0\.1:(\d+)/").Groups[1].Value;
        using var http = new HttpClient();
        var answer = await http.PostAsync($"http://127.0.0.1:{port}/v1/daemon-reexec", null);
        Assert.True((int)answer.StatusCode is 401 or 403, answer.ToString());
        Assert.DoesNotContain("re-executing", File.ReadAllText(F.DaemonLog));
    }
}
