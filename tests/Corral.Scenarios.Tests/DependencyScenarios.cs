using Corral.Linux;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Dependencies, ordering, targets and enablement (issue #15) through the real CLI and daemon, with
/// real processes: a web service that requires a notify database starts after its READY=1 and stops
/// before it; cycles and missing units are refused before anything starts; enabled units come up
/// when the daemon starts; BindsTo= and OnFailure= act when a unit goes down.
/// </summary>
public sealed class DependencyScenarios : Scenario
{
    private string Mark(string name) => Path.Combine(F.Dir, name);

    /// <summary>A notify service that takes <paramref name="ms"/> before READY=1, and writes a mark file just before it.</summary>
    private string Database(int ms, string extra = "") =>
        $"[Unit]\nDescription=database\n{extra}\n[Service]\nType=notify\nExecStart=/bin/sh -c 'sleep {ms / 1000.0:0.0#}; touch {Mark("db-ready")}; exec {F.Workload("notify send:READY=1 hang")}'\n" +
        $"ExecStopPost=/bin/sh -c 'echo db >> {Mark("stops")}'\n";

    /// <summary>A service that writes whether the database was ready when it started, and its own name at its stop.</summary>
    private string Web(string unitSection) =>
        $"[Unit]\n{unitSection}\n[Service]\nExecStart=/bin/sh -c 'if [ -e {Mark("db-ready")} ]; then echo ready; else echo not-ready; fi > {Mark("web-saw")}; exec {F.Workload("sleep")}'\n" +
        $"ExecStopPost=/bin/sh -c 'echo web >> {Mark("stops")}'\n";

    private string[] Stops() => File.Exists(Mark("stops")) ? File.ReadAllLines(Mark("stops")) : [];

    [Fact]
    public void Start_web_starts_the_database_first_and_web_only_after_READY_and_stop_database_stops_web_first()
    {
        F.WriteUnit("db", Database(1000));
        F.WriteUnit("web", Web("Requires=db.service\nAfter=db.service"));
        F.Start();

        var start = F.Cli("start", "web");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal("ready", File.ReadAllText(Mark("web-saw")).Trim());
        Assert.Equal(("active", "active"), (F.Prop("db", "ActiveState"), F.Prop("web", "ActiveState")));
        Assert.Contains("web.service", F.Prop("db", "RequiredBy"));

        var tree = F.Cli("list-dependencies", "web");
        Assert.Equal(0, tree.ExitCode);
        Assert.Equal(["web.service", "● └─db.service"], tree.Stdout.TrimEnd().Split('\n'));
        Assert.Contains("└─web.service", F.Cli("list-dependencies", "db", "--reverse").Stdout);

        var stop = F.Cli("stop", "db");
        Assert.True(stop.ExitCode == 0, stop.ToString());
        Assert.Equal(["web", "db"], Stops());
        Assert.Equal(("inactive", "inactive"), (F.Prop("db", "ActiveState"), F.Prop("web", "ActiveState")));
        AssertNoSurvivors();
    }

    [Fact]
    public async Task A_waiting_job_is_listed_and_status_says_what_it_waits_for()
    {
        F.WriteUnit("db", Database(4000));
        F.WriteUnit("web", Web("Requires=db.service\nAfter=db.service"));
        F.Start();
        Assert.Equal("No jobs running.", F.Cli("list-jobs").Stdout.Trim());

        var start = Task.Run(() => F.Cli("start", "web"));
        Wait.Until(() => F.Cli("list-jobs", "--no-legend").Stdout.Contains("web.service"), TimeSpan.FromSeconds(10), "web's job to be listed");
        var jobs = F.Cli("list-jobs").Stdout;
        Assert.Matches(@"\d+ web\.service\s+start\s+waiting db\.service", jobs);
        Assert.Matches(@"\d+ db\.service\s+start\s+running", jobs);
        Assert.Contains("Job: start, waiting for db.service", F.Cli("status", "web").Stdout);
        Assert.Equal("inactive", F.Prop("web", "ActiveState"));

        var r = await start;
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("ready", File.ReadAllText(Mark("web-saw")).Trim());
        Assert.Equal("No jobs running.", F.Cli("list-jobs").Stdout.Trim());
        Assert.Equal(0, F.Cli("stop", "db").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void A_cycle_is_refused_with_its_path_and_a_missing_required_unit_with_its_name_and_nothing_starts()
    {
        F.WriteUnit("a", $"[Unit]\nRequires=b.service\nAfter=b.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("b", $"[Unit]\nWants=a.service\nAfter=a.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("web", Web("Requires=nosuch.service\nAfter=nosuch.service"));
        F.Start();

        var cycle = F.Cli("start", "a");
        Assert.NotEqual(0, cycle.ExitCode);
        Assert.Contains("Ordering cycle: a.service → b.service → a.service", cycle.Stderr);
        var missing = F.Cli("start", "web");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("Unit nosuch.service not found", missing.Stderr);

        Assert.Equal(("inactive", "inactive", "inactive"), (F.Prop("a", "ActiveState"), F.Prop("b", "ActiveState"), F.Prop("web", "ActiveState")));
        Assert.Empty(Survivors.Recorded(F.PidsDir));
        Assert.False(File.Exists(Mark("web-saw")));
    }

    [Fact]
    public void A_wanted_unit_that_fails_does_not_stop_its_wanter_and_a_required_one_fails_the_requirer_job()
    {
        F.WriteUnit("broken", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
        F.WriteUnit("wanter", $"[Unit]\nWants=broken.service\nAfter=broken.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("needer", $"[Unit]\nRequires=broken.service\nAfter=broken.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        var wants = F.Cli("start", "wanter");
        Assert.True(wants.ExitCode == 0, wants.ToString());
        Assert.Equal(("active", "failed"), (F.Prop("wanter", "ActiveState"), F.Prop("broken", "ActiveState")));

        var needs = F.Cli("start", "needer");
        Assert.Equal(1, needs.ExitCode);
        Assert.Contains("A dependency job for needer.service failed: broken.service", needs.Stderr);
        Assert.Equal("inactive", F.Prop("needer", "ActiveState"));
        Assert.Equal(0, F.Cli("stop", "wanter").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void Enabled_units_come_up_in_order_when_the_daemon_starts_again_and_disabled_ones_stay_down()
    {
        string Unit(string name, string after) =>
            $"[Unit]\n{after}\n[Service]\nExecStart=/bin/sh -c 'echo {name} >> {Mark("order")}; exec {F.Workload("sleep")}'\n[Install]\nWantedBy=multi-user.target\n";
        F.WriteUnit("first", Unit("first", ""));
        F.WriteUnit("second", Unit("second", "After=first.service"));
        F.WriteUnit("static", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal("disabled", F.Cli("is-enabled", "first").Stdout.Trim());
        Assert.Equal(1, F.Cli("is-enabled", "first").ExitCode);
        Assert.Equal("static", F.Cli("is-enabled", "static").Stdout.Trim());

        var enable = F.Cli("enable", "second", "first");
        Assert.True(enable.ExitCode == 0, enable.ToString());
        string wants = Path.Combine(F.Dir, "state", "enabled", "multi-user.target.wants");
        Assert.Contains($"Created symlink {Path.Combine(wants, "first.service")} → {Path.Combine(F.UnitDir, "first.service")}.", enable.Stderr);
        Assert.Equal(("enabled", 0), (F.Cli("is-enabled", "first").Stdout.Trim(), F.Cli("is-enabled", "first").ExitCode));
        Assert.Equal("inactive", F.Prop("first", "ActiveState")); // enable alone starts nothing
        Assert.Contains("first.service", F.Prop("multi-user.target", "Wants"));

        Reboot();
        Wait.Until(() => F.Prop("second", "ActiveState") == "active" && F.Prop("first", "ActiveState") == "active", TimeSpan.FromSeconds(20), "both enabled units to come up");
        Assert.Equal(["first", "second"], File.ReadAllLines(Mark("order")));
        Assert.Equal("active", F.Prop("default.target", "ActiveState"));
        Assert.Equal("multi-user.target", F.Cli("get-default").Stdout.Trim());
        Assert.Equal("inactive", F.Prop("static", "ActiveState"));

        var disable = F.Cli("disable", "first", "second");
        Assert.True(disable.ExitCode == 0, disable.ToString());
        Assert.Contains($"Removed \"{Path.Combine(wants, "first.service")}\".", disable.Stderr);
        Reboot();
        Wait.Until(() => F.Prop("default.target", "ActiveState") == "active", TimeSpan.FromSeconds(20), "default.target");
        // Down: their killed runs are taken over as failed (the stand-in kills them in this boot), and none starts again.
        Assert.DoesNotContain(F.Prop("first", "ActiveState"), new[] { "active", "activating" });
        Assert.DoesNotContain(F.Prop("second", "ActiveState"), new[] { "active", "activating" });
        Assert.Equal(2, File.ReadAllLines(Mark("order")).Length);
    }

    /// <summary>A reboot's stand-in: the daemon and every process of its units are killed, and the daemon starts again.</summary>
    private void Reboot()
    {
        F.KillDaemon();
        foreach (var cg in F.Cgroups.UnitCgroupNames().Select(F.Cgroups.For).ToList())
        {
            F.Cgroups.KillAll(cg);
            Wait.Until(() => !F.Cgroups.IsPopulated(cg), TimeSpan.FromSeconds(10), $"{cg.Path} to empty");
        }
        F.Start();
    }

    [Fact]
    public void A_BindsTo_partner_killed_from_outside_takes_its_unit_down_and_why_says_so()
    {
        F.WriteUnit("partner", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("bound", $"[Unit]\nBindsTo=partner.service\nAfter=partner.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "bound").ExitCode);
        int partner = int.Parse(F.Prop("partner", "MainPID"));
        Assert.Equal("active", F.Prop("bound", "ActiveState"));

        Assert.True(Signaller.TryKill(partner, 9));
        Wait.Until(() => F.Prop("bound", "ActiveState") == "inactive", TimeSpan.FromSeconds(10), "the bound unit to stop");
        Wait.Until(() => F.Cli("why", "bound").Stdout.Contains("partner.service"), TimeSpan.FromSeconds(10), "the bound unit's death record");
        Assert.Contains("bound to (BindsTo=), went failed", F.Cli("why", "bound").Stdout);
        AssertNoSurvivors();
    }

    [Fact]
    public void OnFailure_starts_its_handler_with_the_MONITOR_variables()
    {
        string seen = Mark("monitor");
        F.WriteUnit("crashy", "[Unit]\nOnFailure=handler.service\n[Service]\nExecStart=/bin/sh -c 'exit 3'\n");
        F.WriteUnit("handler", $"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'env | grep ^MONITOR_ | sort > {seen}'\n");
        F.Start();
        F.Cli("start", "crashy");
        Wait.Until(() => File.Exists(seen) && File.ReadAllText(seen).Contains("MONITOR_UNIT"), TimeSpan.FromSeconds(10), "the handler to run");
        Assert.Equal(["MONITOR_EXIT_CODE=exited", "MONITOR_EXIT_STATUS=3", "MONITOR_SERVICE_RESULT=exit-code", "MONITOR_UNIT=crashy.service"],
            File.ReadAllLines(seen));
        Assert.Equal("failed", F.Prop("crashy", "ActiveState"));
    }

    [Fact]
    public void OnSuccess_starts_its_handler_when_the_unit_ends_well_and_not_when_it_fails()
    {
        string seen = Mark("success");
        F.WriteUnit("tidy", "[Unit]\nOnSuccess=cheer.service\n[Service]\nType=oneshot\nExecStart=/bin/true\n");
        F.WriteUnit("sloppy", "[Unit]\nOnSuccess=cheer.service\n[Service]\nType=oneshot\nExecStart=/bin/false\n");
        F.WriteUnit("cheer", $"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo $$MONITOR_UNIT $$MONITOR_SERVICE_RESULT >> {seen}'\n");
        F.Start();
        F.Cli("start", "sloppy");
        Assert.Equal("failed", F.Prop("sloppy", "ActiveState"));
        Assert.Equal(0, F.Cli("start", "tidy").ExitCode);
        Wait.Until(() => File.Exists(seen), TimeSpan.FromSeconds(10), "the success handler to run");
        Thread.Sleep(300); // a handler the failed unit wrongly started would have written by now too
        Assert.Equal(["tidy.service success"], File.ReadAllLines(seen));
    }

    [Fact]
    public void Conflicts_stops_the_other_unit_either_way()
    {
        F.WriteUnit("day", $"[Unit]\nConflicts=night.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("night", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "day").ExitCode);
        Assert.Equal(0, F.Cli("start", "night").ExitCode);
        Assert.Equal(("inactive", "active"), (F.Prop("day", "ActiveState"), F.Prop("night", "ActiveState")));
        // Conflicts= works both ways: the unit that does not name it is stopped too.
        Assert.Equal(0, F.Cli("start", "day").ExitCode);
        Assert.Equal(("active", "inactive"), (F.Prop("day", "ActiveState"), F.Prop("night", "ActiveState")));
        Assert.Empty(CgroupPidsIfAny("night"));
    }

    [Fact]
    public void PartOf_stops_and_restarts_the_part_with_its_whole_and_never_starts_it()
    {
        F.WriteUnit("whole", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("part", $"[Unit]\nPartOf=whole.service\nAfter=whole.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "whole").ExitCode);
        Assert.Equal("inactive", F.Prop("part", "ActiveState")); // PartOf= starts nothing
        Assert.Equal(0, F.Cli("start", "part").ExitCode);
        string before = F.Prop("part", "MainPID");
        Assert.Equal(0, F.Cli("restart", "whole").ExitCode);
        Wait.Until(() => F.Prop("part", "ActiveState") == "active" && F.Prop("part", "MainPID") != before, TimeSpan.FromSeconds(10), "the part to be restarted");
        Assert.Equal(0, F.Cli("stop", "whole").ExitCode);
        Wait.Until(() => F.Prop("part", "ActiveState") == "inactive", TimeSpan.FromSeconds(10), "the part to stop with its whole");
        AssertNoSurvivors();
    }

    [Fact]
    public void Upholds_starts_the_upheld_unit_again_whenever_it_goes_down_while_the_upholder_runs()
    {
        F.WriteUnit("keeper", $"[Unit]\nUpholds=kept.service\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("kept", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "keeper").ExitCode);
        Wait.Until(() => F.Prop("kept", "ActiveState") == "active", TimeSpan.FromSeconds(10), "the upheld unit to start");
        int first = int.Parse(F.Prop("kept", "MainPID"));
        Assert.True(Signaller.TryKill(first, 9));
        Wait.Until(() => F.Prop("kept", "ActiveState") == "active" && F.Prop("kept", "MainPID") != first.ToString(), TimeSpan.FromSeconds(10),
            "the upheld unit to be started again");
        // Once the upholder is stopped, nothing brings it back.
        Assert.Equal(0, F.Cli("stop", "keeper").ExitCode);
        Assert.Equal(0, F.Cli("stop", "kept").ExitCode);
        Thread.Sleep(300);
        Assert.Equal("inactive", F.Prop("kept", "ActiveState"));
        AssertNoSurvivors();
    }

    private List<int> CgroupPidsIfAny(string unit) => Directory.Exists(F.CgroupOf(unit).Path) ? CgroupPids(unit) : [];

    [Fact]
    public void A_target_groups_units_isolate_stops_the_rest_and_set_default_changes_what_the_daemon_starts()
    {
        F.WriteUnit("app.target", "[Unit]\nDescription=the app\nWants=a.service b.service\nAllowIsolate=yes\n");
        F.WriteUnit("a", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("b", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("other", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("plain.target", "[Unit]\nDescription=not to isolate\n");
        F.Start("--no-default-target");
        Assert.Equal("inactive", F.Prop("multi-user.target", "ActiveState"));

        Assert.Equal(0, F.Cli("start", "other").ExitCode);
        var start = F.Cli("start", "app.target");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(("active", "active", "active"), (F.Prop("app.target", "ActiveState"), F.Prop("a", "ActiveState"), F.Prop("b", "ActiveState")));
        Assert.Contains("app.target - the app", F.Cli("status", "app.target").Stdout);

        var isolate = F.Cli("isolate", "app");
        Assert.True(isolate.ExitCode == 0, isolate.ToString());
        Assert.Equal(("inactive", "active"), (F.Prop("other", "ActiveState"), F.Prop("a", "ActiveState")));
        var refused = F.Cli("isolate", "plain");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("plain.target may not be isolated", refused.Stderr);

        var set = F.Cli("set-default", "app.target");
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains("default.target", set.Stderr);
        Assert.Equal("app.target", F.Cli("get-default").Stdout.Trim());
        Assert.Equal(0, F.Cli("stop", "app.target", "a", "b").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void At_its_stop_the_daemon_stops_units_in_reverse_order()
    {
        F.WriteUnit("db", Database(200));
        F.WriteUnit("web", Web("Requires=db.service\nAfter=db.service"));
        F.Start();
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        Assert.True(Signaller.TryKill(F.DaemonPid, 15));
        Assert.Equal(0, F.WaitForDaemonExit());
        Assert.Equal(["web", "db"], Stops());
        AssertNoSurvivors();
    }

    [Fact]
    public void Enable_and_disable_refuse_a_name_that_is_no_units_and_touch_nothing_outside_their_directory()
    {
        string outside = Path.Combine(F.Dir, "victim.service");
        File.CreateSymbolicLink(outside, "/bin/true");
        F.Start();
        foreach (var verb in new[] { "enable", "disable" })
        {
            var (status, body) = F.SocketRequest(System.Text.Encoding.ASCII.GetBytes($"POST /v1/units/..%2F..%2Fvictim.service/{verb} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
            Assert.True(status == 404, body); // refused by the router or by the name check: never acted on
        }
        var r = F.Cli("disable", "no/such");
        Assert.NotEqual(0, r.ExitCode);
        Assert.True(new FileInfo(outside).LinkTarget is not null, "a link outside the enablement directory was removed");
    }
}
