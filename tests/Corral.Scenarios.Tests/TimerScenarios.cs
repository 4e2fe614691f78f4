using System.Globalization;
using Corral.Linux;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #20 item 3: timer units through the real daemon and CLI. Each unit a timer starts is a oneshot
/// that appends the wall-clock time it ran at to a file of the test's, so when it ran is the
/// kernel's clock's word, not the daemon's.
/// </summary>
public sealed class TimerScenarios : Scenario
{
    private string Runs(string name) => Path.Combine(F.Dir, name + ".runs");

    /// <summary>A oneshot that appends the time it ran (seconds since the epoch, with nanoseconds) to its runs file.</summary>
    private void Job(string name, string extra = "") =>
        F.WriteUnit(name, $"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'date +%%s.%%N >> {Runs(name)}'\n{extra}");

    private List<double> Times(string name) => File.Exists(Runs(name))
        ? [.. File.ReadAllLines(Runs(name)).Where(l => l.Length > 0).Select(l => double.Parse(l, CultureInfo.InvariantCulture))]
        : [];

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    [Fact]
    public void A_calendar_timer_one_second_apart_fires_on_each_second_and_its_runs_say_the_timer_started_them()
    {
        Job("tick");
        F.WriteUnit("tick.timer", "[Unit]\nDescription=every second\n[Timer]\nOnCalendar=*:*:*\nAccuracySec=1us\n");
        F.Start();
        Assert.Equal("inactive", F.Prop("tick.timer", "ActiveState"));
        var start = F.Cli("start", "tick.timer");
        Assert.True(start.ExitCode == 0, start.ToString());
        Wait.Until(() => Times("tick").Count >= 4, TimeSpan.FromSeconds(15), "four runs of tick.service");

        var times = Times("tick");
        // Each run began just after a whole second (systemd's search gives whole seconds; a fork and a
        // shell's start follow), and one second after the one before.
        foreach (var t in times.Take(4)) Assert.InRange(t - Math.Floor(t), 0, 0.5);
        for (int i = 1; i < 4; i++) Assert.Equal(1, Math.Floor(times[i]) - Math.Floor(times[i - 1]));

        var started = F.Prop("tick", "StartedBy");
        Assert.StartsWith("tick.timer, due ", started);
        Assert.EndsWith(" UTC", started);
        Assert.Contains("tick.timer", F.Prop("tick", "TriggeredBy"));
        Assert.Equal(("active", "tick.service"), (F.Prop("tick.timer", "ActiveState"), F.Prop("tick.timer", "Triggers")));
        var status = F.Cli("status", "tick.timer");
        Assert.Equal(0, status.ExitCode);
        Assert.Contains("Trigger: ", status.Stdout);
        Assert.Contains("Triggers: tick.service", status.Stdout);
        Assert.Contains("On: OnCalendar=*:*:*", status.Stdout);
        Assert.Contains("Started by: tick.timer, due ", F.Cli("status", "tick").Stdout);

        var list = F.Cli("list-timers");
        Assert.Equal(0, list.ExitCode);
        var lines = list.Stdout.Split('\n');
        Assert.StartsWith("NEXT ", lines[0]);
        Assert.Contains("ACTIVATES", lines[0]);
        var row = lines.Single(l => l.Contains("tick.timer"));
        Assert.Matches(@"^\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +\d+ms left +\w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +\S+ ago +tick\.timer +tick\.service$", row);
        Assert.Contains("1 timers listed.", list.Stdout);

        Assert.Equal(0, F.Cli("stop", "tick.timer").ExitCode);
        int count = Times("tick").Count;
        Thread.Sleep(2500);
        Assert.InRange(Times("tick").Count, count, count + 1); // a run already under way may end; no new one begins
        Assert.Equal("inactive", F.Prop("tick.timer", "ActiveState"));
        Assert.Contains("0 timers listed.", F.Cli("list-timers").Stdout);
        Assert.Contains("tick.timer", F.Cli("list-timers", "--all").Stdout);
    }

    [Fact]
    public void Persistent_makes_up_a_run_missed_while_the_daemon_was_killed_and_a_timer_without_it_does_not()
    {
        // Both due at one whole second three to four seconds from now, on the wall clock.
        var due = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 4);
        string at = due.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        Job("kept");
        Job("lost");
        F.WriteUnit("kept.timer", $"[Timer]\nOnCalendar={at}\nAccuracySec=1us\nPersistent=yes\n");
        F.WriteUnit("lost.timer", $"[Timer]\nOnCalendar={at}\nAccuracySec=1us\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "kept.timer", "lost.timer").ExitCode);
        Assert.Equal(("waiting", "waiting"), (F.Prop("kept.timer", "SubState"), F.Prop("lost.timer", "SubState")));

        F.KillDaemon();
        Wait.Until(() => DateTimeOffset.UtcNow > due.AddSeconds(1.5), TimeSpan.FromSeconds(10), "the due time to pass");
        Assert.Empty(Times("kept")); // nothing ran it: the daemon was down
        F.Start();

        Wait.Until(() => Times("kept").Count == 1, TimeSpan.FromSeconds(10), "the missed run of kept.service");
        Assert.True(Times("kept")[0] > due.ToUnixTimeMilliseconds() / 1000.0 + 1.5, "it ran after the daemon came back");
        var by = F.Prop("kept", "StartedBy");
        Assert.Equal($"kept.timer, due {due.UtcDateTime.ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC (made up: the daemon was not running then)", by);
        // Both timers were taken over; the one without Persistent= has nothing left to elapse and stays, elapsed.
        Wait.Until(() => F.Prop("lost.timer", "SubState") == "elapsed", TimeSpan.FromSeconds(5), "lost.timer to be elapsed");
        Thread.Sleep(1000);
        Assert.Empty(Times("lost"));
        Assert.Equal("", F.Prop("lost", "StartedBy"));
        Assert.Single(Times("kept"));
        Assert.Equal("elapsed", F.Prop("kept.timer", "SubState"));
    }

    [Fact]
    public void OnActiveSec_then_OnUnitActiveSec_repeat_and_an_enabled_timer_comes_up_with_the_daemon()
    {
        Job("beat");
        F.WriteUnit("beat.timer", "[Timer]\nOnActiveSec=1s\nOnUnitActiveSec=2s\nAccuracySec=1us\n[Install]\nWantedBy=timers.target\n");
        F.Start();
        var enable = F.Cli("enable", "beat.timer");
        Assert.True(enable.ExitCode == 0, enable.ToString());
        Assert.Equal("enabled", F.Cli("is-enabled", "beat.timer").Stdout.Trim());
        Assert.Equal("inactive", F.Prop("beat.timer", "ActiveState"));

        // A clean stop, and a new daemon: default.target pulls in timers.target, which wants the timer.
        Assert.True(Signaller.TryKill(F.DaemonPid, 15));
        Assert.Equal(0, F.WaitForDaemonExit());
        double started = Now();
        F.Start();
        Wait.Until(() => Times("beat").Count >= 3, TimeSpan.FromSeconds(15), "three runs of beat.service");
        var t = Times("beat");
        Assert.InRange(t[0] - started, 0.5, 2.5); // OnActiveSec=1s after the timer's start (the daemon's start, a little before)
        // Each next run 2 s after the last activation of the unit.
        Assert.InRange(t[1] - t[0], 1.9, 2.6);
        Assert.InRange(t[2] - t[1], 1.9, 2.6);
        Assert.Equal("active", F.Prop("timers.target", "ActiveState"));
        Assert.Contains("beat.timer", F.Prop("timers.target", "Wants"));
    }

    [Fact]
    public void Instances_of_a_template_timer_each_start_their_own_instance_and_survive_a_reload_a_kill_and_a_boot()
    {
        // A template service that appends its instance's name, and a template timer: pg_dump@main.timer's shape.
        string runs = Runs("dump");
        F.WriteUnit("dump@.service", $"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo %i >> {runs}'\n");
        F.WriteUnit("dump@.timer", "[Unit]\nDescription=dump %i\n[Timer]\nOnActiveSec=200ms\nOnUnitActiveSec=1s\nAccuracySec=1us\n[Install]\nWantedBy=timers.target\n");
        F.Start();
        int Count(string instance) => File.Exists(runs) ? File.ReadAllLines(runs).Count(l => l == instance) : 0;
        // Not made yet: status shows it as its template makes it, inactive.
        Assert.Equal(("loaded", "inactive", "dump main"), (F.Prop("dump@main.timer", "LoadState"), F.Prop("dump@main.timer", "ActiveState"), F.Prop("dump@main.timer", "Description")));
        Assert.Equal(0, F.Cli("start", "dump@main.timer", "dump@spare.timer").ExitCode);
        Wait.Until(() => Count("main") >= 2 && Count("spare") >= 2, TimeSpan.FromSeconds(15), "two runs of each instance");
        Assert.Equal("dump@main.service", F.Prop("dump@main.timer", "Triggers"));
        Assert.StartsWith("dump@spare.timer", F.Prop("dump@spare.service", "StartedBy"));
        var list = F.Cli("list-timers").Stdout;
        Assert.Contains("dump@main.timer", list);
        Assert.Contains("dump@spare.service", list);

        // daemon-reload reads the instances again from their template: they go on.
        Assert.Equal(0, F.Cli("daemon-reload").ExitCode);
        int before = Count("main");
        Wait.Until(() => Count("main") > before, TimeSpan.FromSeconds(10), "a run of dump@main after the reload");
        Assert.Equal("active", F.Prop("dump@main.timer", "ActiveState"));

        // An enabled instance comes up with the next daemon; one started by hand is taken over from its record after a kill.
        Assert.Equal(0, F.Cli("stop", "dump@spare.timer").ExitCode);
        var enable = F.Cli("enable", "dump@boot.timer");
        Assert.True(enable.ExitCode == 0, enable.ToString());
        F.KillDaemon();
        F.Start();
        Wait.Until(() => Count("boot") >= 1, TimeSpan.FromSeconds(15), "dump@boot.timer, enabled, to run its instance");
        Assert.Equal("active", F.Prop("dump@boot.timer", "ActiveState"));
        Assert.Equal("active", F.Prop("dump@main.timer", "ActiveState"));
        Assert.Equal("inactive", F.Prop("dump@spare.timer", "ActiveState"));
        before = Count("main");
        Wait.Until(() => Count("main") > before, TimeSpan.FromSeconds(10), "dump@main, taken over, to run again");
        Assert.Equal(0, F.Cli("stop", "dump@main.timer", "dump@boot.timer").ExitCode);
    }

    [Fact]
    public void A_timer_whose_unit_is_an_alias_sees_the_real_unit_end_and_elapses_again()
    {
        // nick.timer starts nick.service, an alias enable makes of real.service. A service that runs a
        // while: the timer waits for it to end (it matches the changes of real.service) before it plans
        // the next elapse, 1 s after the activation.
        F.WriteUnit("real", $"[Service]\nExecStart=/bin/sh -c 'date +%%s.%%N >> {Runs("real")}; sleep 0.3'\n[Install]\nAlias=nick.service\n");
        F.WriteUnit("nick.timer", "[Timer]\nOnActiveSec=100ms\nOnUnitActiveSec=1s\nAccuracySec=1us\n");
        F.Start();
        Assert.Equal(0, F.Cli("enable", "real").ExitCode);
        Assert.Equal(0, F.Cli("start", "nick.timer").ExitCode);
        Wait.Until(() => Times("real").Count >= 3, TimeSpan.FromSeconds(15), "three runs of real.service, started through its alias");
        Assert.StartsWith("nick.timer", F.Prop("real", "StartedBy"));
        Assert.Equal(0, F.Cli("stop", "nick.timer", "real").ExitCode);
    }

    [Fact]
    public void RemainAfterElapse_no_lets_a_spent_timer_go_inactive_and_yes_keeps_it_active_elapsed()
    {
        Job("once");
        Job("kept");
        F.WriteUnit("once.timer", "[Timer]\nOnActiveSec=500ms\nAccuracySec=1us\nRemainAfterElapse=no\n");
        F.WriteUnit("kept.timer", "[Timer]\nOnActiveSec=500ms\nAccuracySec=1us\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "once.timer", "kept.timer").ExitCode);
        Wait.Until(() => Times("once").Count == 1 && Times("kept").Count == 1, TimeSpan.FromSeconds(10), "one run of each");
        Wait.Until(() => F.Prop("once.timer", "ActiveState") == "inactive", TimeSpan.FromSeconds(5), "once.timer to go inactive");
        Wait.Until(() => F.Prop("kept.timer", "SubState") == "elapsed", TimeSpan.FromSeconds(5), "kept.timer to be elapsed");
        Assert.Equal("active", F.Prop("kept.timer", "ActiveState"));
        // Started again, a one-time trigger counts afresh.
        Assert.Equal(0, F.Cli("restart", "kept.timer").ExitCode);
        Wait.Until(() => Times("kept").Count == 2, TimeSpan.FromSeconds(10), "a second run after the restart");
    }

    [Fact]
    public void Bad_timers_are_refused_by_file_line_and_part_and_a_failing_unit_leaves_the_timer_waiting()
    {
        F.WriteUnit("bad.timer", "[Unit]\nDescription=bad\n[Timer]\nOnCalendar=Mon..Fry 10:00\n");
        F.WriteUnit("orphan.timer", "[Timer]\nOnActiveSec=1\n");
        F.WriteUnit("fail", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
        F.WriteUnit("fail.timer", "[Timer]\nOnActiveSec=300ms\nOnUnitInactiveSec=1s\nAccuracySec=1us\n");
        F.Start();

        var bad = F.Cli("start", "bad.timer");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains($"{Path.Combine(F.UnitDir, "bad.timer")}:4", bad.Stderr);
        Assert.Contains("OnCalendar=Mon..Fry 10:00", bad.Stderr);
        Assert.Contains("'Fry 10:00' is not a weekday", bad.Stderr);
        var verify = F.Cli("verify", Path.Combine(F.UnitDir, "bad.timer"));
        Assert.NotEqual(0, verify.ExitCode);
        Assert.Contains("'Fry 10:00' is not a weekday", verify.Stdout + verify.Stderr);
        Assert.DoesNotContain("has no OnCalendar=", verify.Stdout + verify.Stderr); // the line's error, not a second one after it

        var orphan = F.Cli("start", "orphan.timer");
        Assert.NotEqual(0, orphan.ExitCode);
        Assert.Contains("Refusing to start orphan.timer: the unit it starts, orphan.service, not found", orphan.Stderr);
        Assert.Equal("inactive", F.Prop("orphan.timer", "ActiveState"));

        Assert.Equal(0, F.Cli("start", "fail.timer").ExitCode);
        Wait.Until(() => F.Prop("fail", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "fail.service to fail");
        // The unit's failure is its own: the timer goes on, and starts it again 1 s after it went down.
        Wait.Until(() => F.Prop("fail", "InactiveEnterTimestamp") != "" && F.Prop("fail.timer", "SubState") == "waiting", TimeSpan.FromSeconds(5), "fail.timer to wait again");
        string first = F.Prop("fail", "InactiveExitTimestamp");
        Wait.Until(() => F.Prop("fail", "InactiveExitTimestamp") != first, TimeSpan.FromSeconds(10), "a second start of fail.service");
        Assert.Equal("active", F.Prop("fail.timer", "ActiveState"));
        var kill = F.Cli("kill", "fail.timer");
        Assert.NotEqual(0, kill.ExitCode);
        Assert.Contains("fail.timer is a timer: it has no processes to kill", kill.Stderr);
    }

    [Fact]
    public void On_a_full_state_filesystem_a_timer_still_fires_and_says_what_it_could_not_write()
    {
        string timers = Path.Combine(F.Dir, "state", "timers");
        Mounts.Tmpfs(timers, "1m");
        string filler = Mounts.Fill(timers);
        Job("tick");
        F.WriteUnit("tick.timer", "[Timer]\nOnCalendar=*:*:*\nAccuracySec=1us\nPersistent=yes\n");
        F.Start();
        var start = F.Cli("start", "tick.timer");
        Assert.True(start.ExitCode == 0, start.ToString());
        Wait.Until(() => Times("tick").Count >= 2, TimeSpan.FromSeconds(10), "two runs on a full disk");
        var status = F.Cli("status", "tick.timer").Stdout;
        Assert.Contains($"Error: its record in {timers} cannot be written (No space left on device", status);
        Assert.Equal("active", F.Prop("tick.timer", "ActiveState"));

        // Room again: the next elapse writes the record, and the error is gone.
        File.Delete(filler);
        Wait.Until(() => F.Prop("tick.timer", "SubState") == "waiting" && !F.Cli("status", "tick.timer").Stdout.Contains("Error:"), TimeSpan.FromSeconds(10), "the error to clear");
        Assert.True(File.Exists(Path.Combine(timers, "tick.timer.json")));
        Assert.Equal(0, F.Cli("stop", "tick.timer").ExitCode);
        Assert.False(File.Exists(Path.Combine(timers, "tick.timer.json")));
    }

    [Fact]
    public void A_timer_goes_on_across_daemon_reexec_taken_over_from_its_record()
    {
        Job("tick");
        F.WriteUnit("tick.timer", "[Timer]\nOnCalendar=*:*:*\nAccuracySec=1us\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "tick.timer").ExitCode);
        Wait.Until(() => Times("tick").Count >= 2, TimeSpan.FromSeconds(10), "two runs before the re-exec");
        var r = F.Cli("daemon-reexec");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Wait.Until(() => F.Cli("list").ExitCode == 0, TimeSpan.FromSeconds(20), "the new image to answer");
        int after = Times("tick").Count;
        Wait.Until(() => Times("tick").Count >= after + 3, TimeSpan.FromSeconds(10), "three runs after the re-exec");
        // Nothing but the exec itself (well under a second here) comes between two runs: an elapse it
        // took is made up at once by the new image, once, as systemd makes up a missed calendar elapse.
        var times = Times("tick");
        for (int i = 1; i < times.Count; i++) Assert.InRange(times[i] - times[i - 1], 0, 2.5);
        Assert.Equal("active", F.Prop("tick.timer", "ActiveState"));
        Assert.Contains("taking over the active timer from the previous daemon", File.ReadAllText(F.DaemonLog));
    }
}
