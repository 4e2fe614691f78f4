using System.Diagnostics;
using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>Service output: line by line with time and stream, rotated by size, read back and followed with corral logs.</summary>
public sealed class LogScenarios : Scenario
{
    private List<JsonElement> Logs(string unit, params string[] extra)
    {
        var r = F.Cli(["logs", unit, "--json", .. extra]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private void RunOnce(string unit, string script, string extra = "")
    {
        F.WriteUnit(unit, $"[Service]\nType=oneshot\nExecStart=/bin/sh -c '{script}'\n{extra}");
        F.Start();
        var r = F.Cli("start", unit);
        Assert.True(r.ExitCode == 0, r.ToString());
    }

    [Fact]
    public void Each_line_has_its_time_and_stream_and_a_last_line_without_newline_is_kept()
    {
        RunOnce("talk", "echo out-one; echo err-one >&2; echo out-two; printf no-newline");

        Wait.Until(() => Logs("talk").Count == 4, TimeSpan.FromSeconds(5), "four lines");
        var lines = Logs("talk");
        Assert.Equal(["out-one", "out-two", "no-newline"], lines.Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("message").GetString()));
        Assert.Equal("err-one", Assert.Single(lines, l => l.GetProperty("stream").GetString() == "stderr").GetProperty("message").GetString());
        var usecs = lines.Select(l => l.GetProperty("usec").GetInt64()).ToList();
        Assert.Equal(usecs.Order(), usecs);
        Assert.Equal(usecs.Count, usecs.Distinct().Count());
        Assert.InRange(lines[0].GetProperty("time").GetDateTimeOffset(), DateTimeOffset.Now.AddMinutes(-1), DateTimeOffset.Now);

        var text = F.Cli("logs", "talk", "-n", "2").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, text.Length);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC stdout no-newline$", text[1]);
        // On disk: <unit>.log under --log-dir, one line per line of output.
        Assert.Equal(4, File.ReadAllLines(Path.Combine(F.LogDir, "talk.service.log")).Length);
    }

    [Fact]
    public void The_log_rotates_at_LogMaxBytes_keeping_LogBackups_files_and_no_line_is_split_between_them()
    {
        RunOnce("chatty", "seq 1 3000", "[X-Corral]\nLogMaxBytes=4K\nLogBackups=2\n");

        string log = Path.Combine(F.LogDir, "chatty.service.log");
        Wait.Until(() => File.Exists(log) && File.ReadAllText(log).Contains(" out 3000\n"), TimeSpan.FromSeconds(5), "the last line");
        Assert.True(File.Exists(log + ".1") && File.Exists(log + ".2"));
        Assert.False(File.Exists(log + ".3"));
        foreach (var f in new[] { log, log + ".1", log + ".2" })
            Assert.InRange(new FileInfo(f).Length, 1, 4096);

        // What is kept reads back oldest first, contiguous, up to the last line.
        var numbers = Logs("chatty").Select(l => int.Parse(l.GetProperty("message").GetString()!)).ToList();
        Assert.Equal(3000, numbers[^1]);
        Assert.Equal(Enumerable.Range(numbers[0], numbers.Count), numbers);
        Assert.True(numbers.Count > 200, $"only {numbers.Count} lines kept in three 4K files");
    }

    [Fact]
    public void An_overlong_line_is_split_and_nothing_is_lost()
    {
        RunOnce("long", "yes a | head -c 80000 | tr -d \"\\n\"; echo; echo after");

        Wait.Until(() => Logs("long").Any(l => l.GetProperty("message").GetString() == "after"), TimeSpan.FromSeconds(5), "the line after");
        // stdout only: with SIGPIPE ignored (IgnoreSIGPIPE=yes, as systemd), `yes` may say on stderr that its pipe broke.
        var parts = Logs("long").Where(l => l.GetProperty("stream").GetString() == "stdout").Select(l => l.GetProperty("message").GetString()!).ToList();
        Assert.Equal([16384, 16384, 7232, 5], parts.Select(p => p.Length));
        Assert.Equal(40000, parts.Take(3).Sum(p => p.Count(c => c == 'a')));
    }

    [Fact]
    public void Follow_prints_new_lines_as_they_come_in_order_and_since_leaves_out_older_ones()
    {
        F.WriteUnit("ticker", "[Service]\nExecStart=/bin/sh -c 'i=0; while true; do echo tick $$i; i=$$((i+1)); sleep 0.1; done'\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "ticker").ExitCode);
        Wait.Until(() => Logs("ticker").Count >= 3, TimeSpan.FromSeconds(5), "three ticks");
        // --since takes whole seconds: the first lines must be more than a second older than the
        // cutoff, or a fast machine puts them all in the cutoff's own second and nothing is left out.
        Thread.Sleep(1100);
        var cutoff = DateTimeOffset.Now;
        Thread.Sleep(300);

        var psi = new ProcessStartInfo(Repo.Corral) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var x in new[] { "--socket", F.Socket, "logs", "ticker", "-f", "-n", "1" }) psi.ArgumentList.Add(x);
        using var follower = Process.Start(psi)!;
        var seen = new List<int>();
        try
        {
            while (seen.Count < 10)
            {
                var line = follower.StandardOutput.ReadLine();
                Assert.NotNull(line);
                seen.Add(int.Parse(line!.Split(" tick ")[1]));
            }
        }
        finally
        {
            follower.Kill();
            follower.WaitForExit();
        }
        Assert.Equal(Enumerable.Range(seen[0], 10), seen);

        var since = Logs("ticker", "--since", cutoff.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss"));
        Assert.All(since, l => Assert.True(l.GetProperty("time").GetDateTimeOffset() >= cutoff.AddSeconds(-1)));
        Assert.True(since.Count < Logs("ticker").Count);
        Assert.Equal(0, F.Cli("stop", "ticker").ExitCode);
    }

    [Fact]
    public void A_flooding_service_keeps_its_log_within_LogMaxBytes_times_its_files()
    {
        StartService("flood", $"[Service]\nExecStart={F.Workload("flood")}\n[X-Corral]\nLogMaxBytes=1M\nLogBackups=1\n");
        string log = Path.Combine(F.LogDir, "flood.service.log");
        Wait.Until(() => File.Exists(log + ".1"), TimeSpan.FromSeconds(20), "a rotation");
        Thread.Sleep(1000);
        Assert.Equal(0, F.Cli("stop", "flood").ExitCode);

        Assert.False(File.Exists(log + ".2"));
        Assert.InRange(new FileInfo(log).Length + new FileInfo(log + ".1").Length, 1, 2 << 20);
        var last = Logs("flood", "-n", "3");
        Assert.Equal(3, last.Count);
        Assert.All(last, l => Assert.Equal(new string('x', 4095), l.GetProperty("message").GetString()));
    }

    [Fact]
    public void Logs_of_an_unknown_unit_is_an_error_naming_it()
    {
        F.Start();
        var r = F.Cli("logs", "nosuch");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("unit nosuch.service not found", r.Stderr);
    }
}
