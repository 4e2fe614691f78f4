using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>Issue #12: the verbs and flags a systemctl user reaches for, through the real CLI and daemon.</summary>
public sealed class HabitScenarios : Scenario
{
    [Fact]
    public void Is_active_and_is_failed_print_the_state_and_answer_by_exit_status()
    {
        F.WriteUnit("down", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
        StartService("up", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        Assert.Equal(1, F.Cli("start", "down").ExitCode);

        var active = F.Cli("is-active", "up");
        Assert.Equal((0, "active\n"), (active.ExitCode, active.Stdout));
        var failed = F.Cli("is-active", "down");
        Assert.Equal((3, "failed\n"), (failed.ExitCode, failed.Stdout));
        var missing = F.Cli("is-active", "nosuch");
        Assert.Equal((4, "inactive\n"), (missing.ExitCode, missing.Stdout)); // LSB "status unknown", as systemctl
        Assert.Equal(3, F.Cli("is-active", "nosuch", "down").ExitCode);
        // Several units: 0 when one of them is active, each state on its own line.
        var both = F.Cli("is-active", "down", "up");
        Assert.Equal((0, "failed\nactive\n"), (both.ExitCode, both.Stdout));
        // -q anywhere on the line: no output, the same answer.
        var quiet = F.Cli("is-active", "-q", "down");
        Assert.Equal((3, ""), (quiet.ExitCode, quiet.Stdout));
        Assert.Equal((0, ""), (F.Cli("-q", "is-active", "up").ExitCode, F.Cli("-q", "is-active", "up").Stdout));

        Assert.Equal((0, "failed\n"), (F.Cli("is-failed", "down").ExitCode, F.Cli("is-failed", "down").Stdout));
        Assert.Equal((1, "active\n"), (F.Cli("is-failed", "up").ExitCode, F.Cli("is-failed", "up").Stdout));
        Assert.Equal(4, F.Cli("is-failed", "--quiet", "nosuch").ExitCode);

        // A daemon that cannot be reached is an error, not "inactive": a script must not read it as a state.
        F.KillDaemon();
        var gone = F.Cli("is-active", "up");
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal("", gone.Stdout);
        Assert.Contains("no daemon is listening", gone.Stderr);
    }

    [Fact]
    public void Version_help_verb_and_an_unknown_verb_say_one_useful_thing()
    {
        var version = F.Cli("--version");
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^corral \d+\.\d+\.\d+", version.Stdout);

        var help = F.Cli("help", "is-active");
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith("usage: corral is-active UNIT...", help.Stdout);
        Assert.Contains("systemctl is-active", help.Stdout);
        var whole = F.Cli("help");
        foreach (var verb in new[] { "is-active", "is-failed", "list-units", "cat", "edit", "freeze", "thaw", "ps --machine" })
            Assert.Contains(verb, whole.Stdout);

        var typo = F.Cli("is-actve", "x");
        Assert.Equal(1, typo.ExitCode);
        Assert.Equal("corral: unknown verb 'is-actve'; did you mean 'is-active'? (corral help lists every verb)\n", typo.Stderr);
        Assert.Equal("", typo.Stdout); // not the whole usage
        Assert.Contains("did you mean 'status'?", F.Cli("stauts").Stderr);
        Assert.Equal("corral: unknown verb 'zzzzzzzzzz' (corral help lists every verb)\n", F.Cli("zzzzzzzzzz").Stderr);
        Assert.Contains("did you mean 'freeze'?", F.Cli("help", "freez").Stderr);
    }

    [Fact]
    public void List_units_filters_by_pattern_and_state_and_hides_idle_units_unless_all()
    {
        F.WriteUnit("web-a", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("web-b", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("db", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("idle", "[Service]\nExecStart=/bin/true\n");
        F.WriteUnit("fails", "[Service]\nType=oneshot\nExecStart=/bin/false\n");
        F.Start();
        foreach (var u in new[] { "web-a", "web-b", "db" }) Assert.Equal(0, F.Cli("start", u).ExitCode);
        Assert.Equal(1, F.Cli("start", "fails").ExitCode);

        static List<string> Names(CliResult r) => r.Stdout.Split('\n').Where(l => l.Contains(".service ")).Select(l => l.Split(' ')[0]).ToList();
        var plain = F.Cli("list-units");
        Assert.Equal(0, plain.ExitCode);
        Assert.Equal(["db.service", "fails.service", "web-a.service", "web-b.service"], Names(plain));
        Assert.Contains("Pass --all to see loaded but inactive units, too.", plain.Stdout);
        Assert.Contains("idle.service", F.Cli("list-units", "--all").Stdout);
        Assert.Equal(["web-a.service", "web-b.service"], Names(F.Cli("list-units", "web-*")));
        Assert.Equal(["db.service", "web-b.service"], Names(F.Cli("list-units", "db", "web-[b-z]*")));
        Assert.Equal(["fails.service"], Names(F.Cli("list-units", "--state=failed")));
        Assert.Equal(["fails.service", "idle.service"], Names(F.Cli("list-units", "--state", "failed,dead")));

        var bare = F.Cli("list-units", "--no-legend", "web-?.service");
        Assert.Equal(2, bare.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain("UNIT", bare.Stdout);
        Assert.Equal(0, F.Cli("--no-pager", "list-units").ExitCode);
        Assert.Contains("has service, target, timer and socket units only", F.Cli("list-units", "--type=mount").Stderr);
        // Corral's own targets, active since the boot: multi-user.target and what it wants.
        Assert.Equal(["multi-user.target", "sockets.target", "timers.target"], F.Cli("list-units", "--type=target", "--no-legend").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]));
    }

    [Fact]
    public void Cat_prints_the_unit_file_and_its_drop_ins_and_the_daemon_applies_them()
    {
        StartService("web", $"[Unit]\nDescription=base\n[Service]\nExecStart={F.Workload("sleep")}\nTasksMax=10\n");
        string dropDir = Directory.CreateDirectory(Path.Combine(F.UnitDir, "web.service.d")).FullName;
        File.WriteAllText(Path.Combine(dropDir, "20-tasks.conf"), "[Service]\nTasksMax=30\n");
        File.WriteAllText(Path.Combine(dropDir, "10-desc.conf"), "[Unit]\nDescription=from a drop-in\n");
        File.WriteAllText(Path.Combine(dropDir, "ignored.txt"), "[Unit]\nDescription=not a .conf\n");
        Assert.Equal(0, F.Cli("daemon-reload").ExitCode);

        Assert.Equal("from a drop-in", F.Prop("web", "Description"));
        Assert.Equal(0, F.Cli("restart", "web").ExitCode);
        Assert.Equal("30", F.Prop("web", "TasksMax"));
        Assert.Equal(30UL, F.Cgroups.TasksLimit(F.CgroupOf("web")));

        var cat = F.Cli("cat", "web");
        Assert.Equal(0, cat.ExitCode);
        Assert.Equal($"# {Path.Combine(F.UnitDir, "web.service")}\n[Unit]\nDescription=base\n[Service]\nExecStart={F.Workload("sleep")}\nTasksMax=10\n\n"
            + $"# {Path.Combine(dropDir, "10-desc.conf")}\n[Unit]\nDescription=from a drop-in\n\n"
            + $"# {Path.Combine(dropDir, "20-tasks.conf")}\n[Service]\nTasksMax=30\n", cat.Stdout);
        var status = F.Cli("status", "web").Stdout;
        Assert.Contains($"Drop-In: {dropDir}", status);
        Assert.Contains("└─10-desc.conf, 20-tasks.conf", status);

        // A drop-in with an error is named with its own file and line, and the unit does not load.
        File.WriteAllText(Path.Combine(dropDir, "30-bad.conf"), "[Service]\n\nKillMode=sideways\n");
        var reload = F.Cli("daemon-reload");
        Assert.Contains($"{Path.Combine(dropDir, "30-bad.conf")}:3: error: KillMode=sideways", reload.Stderr);
        Assert.Equal("error", F.Prop("web", "LoadState"));
        Assert.Equal(4, F.Cli("cat", "nosuch").ExitCode);
    }

    [Fact]
    public void Edit_writes_a_checked_drop_in_through_the_editor_and_reloads()
    {
        StartService("web", $"[Unit]\nDescription=before\n[Service]\nExecStart={F.Workload("sleep")}\n");
        string editor = Path.Combine(F.Dir, "editor.sh");
        // The editor puts a setting above the guide corral wrote into the file (kept as it is: discarded).
        File.WriteAllText(editor, "#!/bin/sh\n{ printf '[Unit]\\nDescription=after\\n'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n");
        File.SetUnixFileMode(editor, (UnixFileMode)0x1ed);
        CliResult Edit(string ed, params string[] args) =>
            F.CliAs(TimeSpan.FromSeconds(60), ["/usr/bin/env", $"EDITOR={ed}", $"TMPDIR={F.Dir}"], ["edit", .. args]);

        var r = Edit(editor, "web");
        Assert.True(r.ExitCode == 0, r.ToString());
        string dropIn = Path.Combine(F.UnitDir, "web.service.d", "override.conf");
        Assert.Equal("[Unit]\nDescription=after\n", File.ReadAllText(dropIn));
        Assert.Equal("after", F.Prop("web", "Description")); // reloaded
        Assert.Equal("active", F.Prop("web", "ActiveState"));

        // An edit with an error is not installed; the file stays as it was and the edited copy is kept.
        string bad = Path.Combine(F.Dir, "bad-editor.sh");
        File.WriteAllText(bad, "#!/bin/sh\nprintf '[Service]\\nKillMode=sideways\\n' > \"$1\"\n");
        File.SetUnixFileMode(bad, (UnixFileMode)0x1ed);
        var refused = Edit(bad, "web");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{dropIn}:2: error: KillMode=sideways", refused.Stderr);
        Assert.Contains("not installed", refused.Stderr);
        Assert.Equal("[Unit]\nDescription=after\n", File.ReadAllText(dropIn));

        // An editor that fails changes nothing.
        var failed = Edit("false", "web");
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("the editor 'false' exited with 1; nothing was installed", failed.Stderr);

        // --full edits the unit file itself, in place.
        string full = Path.Combine(F.Dir, "full-editor.sh");
        File.WriteAllText(full, "#!/bin/sh\nsed -i 's/^ExecStart=/TimeoutStopSec=7\\nExecStart=/' \"$1\"\n");
        File.SetUnixFileMode(full, (UnixFileMode)0x1ed);
        Assert.Equal(0, Edit(full, "web", "--full").ExitCode);
        Assert.Contains("TimeoutStopSec=7\n", File.ReadAllText(Path.Combine(F.UnitDir, "web.service")));
        Assert.Equal("7s", F.Prop("web", "TimeoutStopUSec"));

        // An emptied drop-in is removed.
        Assert.Equal(0, Edit("truncate -s 0", "web").ExitCode);
        Assert.False(File.Exists(dropIn));
        Assert.Equal("before", F.Prop("web", "Description"));
    }

    [Fact]
    public void A_second_daemon_on_the_same_socket_tells_the_newcomer_to_use_the_first()
    {
        F.Start();
        var second = F.RunDaemonToExit();
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"another corral daemon (pid {F.DaemonPid}) is running with the socket {F.Socket}", second.Stderr);
        Assert.Contains($"'corral --socket {F.Socket} status' talks to the running one", second.Stderr);
        Assert.Contains("give this one its own --socket, --state-dir and --cgroup-root", second.Stderr);
        Assert.Equal(0, F.Cli("list").ExitCode);
    }

    [Fact]
    public void Ps_shows_oom_scores_and_ps_machine_names_the_first_victims_unit()
    {
        // oom_score_adj 1000 makes it the kernel's first choice on this machine; another process with 1000 may tie.
        StartService("hog", $"[Service]\nExecStart={F.Workload("sleep")}\nOOMScoreAdjust=1000\n");
        WaitForRecorded(1);
        int pid = Survivors.Recorded(F.PidsDir)[0];

        var ps = F.Cli("ps", "hog");
        Assert.Contains("OOM   ADJ", ps.Stdout);
        var row = ps.Stdout.Split('\n').Single(l => l.Contains($" {pid} "));
        Assert.Matches(@"\s(1\d{3}|2000)\s+1000\s", row); // a score of 1000 or more, the adjustment 1000

        var machine = F.Cli("ps", "--machine", "-n", "50", "--json");
        Assert.Equal(0, machine.ExitCode);
        using var doc = JsonDocument.Parse(machine.Stdout);
        var procs = doc.RootElement.GetProperty("processes").EnumerateArray().ToList();
        var mine = procs.Single(p => p.GetProperty("pid").GetInt32() == pid);
        Assert.Equal("hog.service", mine.GetProperty("unit").GetString());
        Assert.Equal(1000, mine.GetProperty("oomScoreAdj").GetInt32());
        // Sorted by score, highest first; nothing of ours is below a process it outranks.
        var scores = procs.Select(p => p.GetProperty("oomScore").GetInt32()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.Contains("hog.service", F.Cli("ps", "--machine", "-n", "50").Stdout);
        Assert.Contains("-n '0' is not a number from 1 to 1000", F.Cli("ps", "--machine", "-n", "0").Stderr);
    }

    [Fact]
    public void The_machines_processes_are_not_shown_over_HTTP_without_the_token()
    {
        using var web = new WebEndpoint(F);
        F.Start(web.Args);
        var anonymous = web.Get("/v1/oom-candidates");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.DoesNotContain("cmdline", anonymous.Body);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, web.Get("//v1/%6fom-candidates?limit=5").Status); // another spelling, the same route
        var withToken = web.Get("/v1/oom-candidates?limit=3", web.Token);
        Assert.Equal(System.Net.HttpStatusCode.OK, withToken.Status);
        Assert.Equal(3, JsonDocument.Parse(withToken.Body).RootElement.GetProperty("processes").GetArrayLength());
        // The daemon's own units stay readable without it, as before.
        Assert.Equal(System.Net.HttpStatusCode.OK, web.Get("/v1/units").Status);
    }
}
