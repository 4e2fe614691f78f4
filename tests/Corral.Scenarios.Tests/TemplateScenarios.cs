using System.Text;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Templates and instances, and the drop-ins every instance takes (issue #14, items 3 and 4),
/// through the real CLI and daemon: NAME@INST made from NAME@.service with its specifiers, a file of
/// the instance's own winning, the template alone refused, and names that are no unit's refused.
/// </summary>
public sealed class TemplateScenarios : Scenario
{
    private string Template(string extra = "") =>
        $"[Unit]\nDescription=worker %i\n[Service]\nEnvironment=WHO=%I JOB=%j\nExecStart={F.Workload("sleep")} --tag %p:%i\nTasksMax=10\n{extra}";

    [Fact]
    public void An_instance_is_made_from_its_template_runs_in_its_own_cgroup_and_is_listed_like_any_unit()
    {
        F.WriteUnit("worker@", Template());
        F.Start();

        var start = F.Cli("start", "worker@blue");
        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(0, F.Cli("start", "worker@green.service").ExitCode);

        Assert.Equal(("active", "worker blue"), (F.Prop("worker@blue", "ActiveState"), F.Prop("worker@blue", "Description")));
        Assert.Equal(Path.Combine(F.UnitDir, "worker@.service"), F.Prop("worker@blue", "FragmentPath"));
        int blue = int.Parse(F.Prop("worker@blue", "MainPID"));
        Assert.Equal([blue], CgroupPids("worker@blue"));
        Assert.Single(CgroupPids("worker@green"));
        string cmdline = File.ReadAllText($"/proc/{blue}/cmdline").Replace('\0', ' ');
        Assert.Contains("--tag worker:blue", cmdline);
        Assert.Contains("WHO=blue\0", File.ReadAllText($"/proc/{blue}/environ"));

        var list = F.Cli("list").Stdout;
        Assert.Contains("worker@blue.service", list);
        Assert.Contains("worker@green.service", list);
        Assert.DoesNotContain("worker@.service", list);

        Assert.Equal(0, F.Cli("stop", "worker@blue").ExitCode);
        Assert.Equal("inactive", F.Prop("worker@blue", "ActiveState"));
        Assert.Equal("active", F.Prop("worker@green", "ActiveState"));
        Assert.Equal(0, F.Cli("stop", "worker@green").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void The_template_alone_cannot_start_and_the_error_names_its_file_and_a_missing_template_is_not_found()
    {
        F.WriteUnit("worker@", Template());
        F.Start();

        var r = F.Cli("start", "worker@");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"unit worker@.service is a template ({Path.Combine(F.UnitDir, "worker@.service")}): name an instance of it, worker@NAME", r.Stderr);
        var none = F.Cli("start", "nosuch@x");
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("unit nosuch@x.service not found", none.Stderr);
        Assert.Empty(Survivors.Recorded(F.PidsDir));
    }

    [Fact]
    public void Status_of_an_instance_never_started_shows_it_inactive_from_its_template_and_makes_nothing()
    {
        F.WriteUnit("worker@", Template());
        F.Start();

        var status = F.Cli("status", "worker@idle");
        Assert.Equal(3, status.ExitCode); // inactive, as systemctl status says
        Assert.Contains("worker@idle.service - worker idle", status.Stdout);
        Assert.Contains($"Loaded: loaded ({Path.Combine(F.UnitDir, "worker@.service")}", status.Stdout);
        Assert.Equal("inactive", F.Prop("worker@idle", "ActiveState"));
        Assert.DoesNotContain("worker@idle", F.Cli("list", "--all").Stdout);
    }

    [Fact]
    public void A_file_of_the_instances_own_wins_over_the_template()
    {
        F.WriteUnit("worker@", Template());
        F.WriteUnit("worker@special", $"[Unit]\nDescription=special one\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "worker@special").ExitCode);

        Assert.Equal("special one", F.Prop("worker@special", "Description"));
        Assert.Equal(Path.Combine(F.UnitDir, "worker@special.service"), F.Prop("worker@special", "FragmentPath"));
        Assert.Equal(0, F.Cli("stop", "worker@special").ExitCode);
    }

    [Fact]
    public void Every_instance_takes_the_templates_drop_ins_its_own_the_prefix_ones_and_service_d_and_cat_shows_them()
    {
        F.WriteUnit("app-worker@", Template());
        string templateDrop = Write("app-worker@.service.d/10-tasks.conf", "[Service]\nTasksMax=20\n");
        string instanceDrop = Write("app-worker@b.service.d/20-tasks.conf", "[Service]\nTasksMax=30\n");
        string prefixDrop = Write("app-.service.d/30-desc.conf", "[Unit]\nDescription=an app %i\n");
        string allDrop = Write("service.d/05-env.conf", "[Service]\nEnvironment=EVERYWHERE=yes\n");
        F.Start();

        Assert.Equal(0, F.Cli("start", "app-worker@a").ExitCode);
        Assert.Equal(0, F.Cli("start", "app-worker@b").ExitCode);

        Assert.Equal(20UL, F.Cgroups.TasksLimit(F.CgroupOf("app-worker@a")));
        Assert.Equal(30UL, F.Cgroups.TasksLimit(F.CgroupOf("app-worker@b")));
        Assert.Equal(("an app a", "an app b"), (F.Prop("app-worker@a", "Description"), F.Prop("app-worker@b", "Description")));
        int a = int.Parse(F.Prop("app-worker@a", "MainPID"));
        Assert.Contains("EVERYWHERE=yes\0", File.ReadAllText($"/proc/{a}/environ"));
        Assert.Equal(string.Join(' ', allDrop, templateDrop, instanceDrop, prefixDrop), F.Prop("app-worker@b", "DropInPaths"));

        var cat = F.Cli("cat", "app-worker@b");
        Assert.Equal(0, cat.ExitCode);
        Assert.Equal($"# {Path.Combine(F.UnitDir, "app-worker@.service")}\n{Template()}\n"
            + $"# {allDrop}\n[Service]\nEnvironment=EVERYWHERE=yes\n\n"
            + $"# {templateDrop}\n[Service]\nTasksMax=20\n\n"
            + $"# {instanceDrop}\n[Service]\nTasksMax=30\n\n"
            + $"# {prefixDrop}\n[Unit]\nDescription=an app %i\n", cat.Stdout);

        // A changed template drop-in reaches a running instance at reload, for its next start.
        File.WriteAllText(templateDrop, "[Service]\nTasksMax=25\n");
        Assert.Equal(0, F.Cli("daemon-reload").ExitCode);
        Assert.Equal("25", F.Prop("app-worker@a", "TasksMax"));
        Assert.Equal(0, F.Cli("restart", "app-worker@a").ExitCode);
        Assert.Equal(25UL, F.Cgroups.TasksLimit(F.CgroupOf("app-worker@a")));
        Assert.Equal(0, F.Cli("stop", "app-worker@a").ExitCode);
        Assert.Equal(0, F.Cli("stop", "app-worker@b").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void A_running_instance_is_taken_over_by_the_next_daemon_after_a_kill_9()
    {
        F.WriteUnit("worker@", Template());
        F.Start();
        Assert.Equal(0, F.Cli("start", "worker@kept").ExitCode);
        string main = F.Prop("worker@kept", "MainPID");

        F.KillDaemon();
        F.Start();

        Assert.Equal(("active", main), (F.Prop("worker@kept", "ActiveState"), F.Prop("worker@kept", "MainPID")));
        Assert.Contains("worker@kept.service", F.Cli("list").Stdout);
        Assert.DoesNotContain(Notices("worker@kept.service"), n => n.GetProperty("kind").GetString() == "leftover-cgroup");
        Assert.Equal(0, F.Cli("stop", "worker@kept").ExitCode);
        AssertNoSurvivors();
    }

    [Theory]
    // (A '/' or a control character in a path segment is refused before any route: see BadInputScenarios.)
    [InlineData("worker@a%20b", "the character ' '")]
    [InlineData("worker@caf%C3%A9", "U+00E9")]
    [InlineData("worker@a%2Bb", "the character '+'")]
    [InlineData("worker@x@y", "more than one '@'")]
    public void A_name_that_is_no_units_is_refused_with_why_and_nothing_is_made(string raw, string why)
    {
        F.WriteUnit("worker@", Template());
        F.Start();

        var (status, body) = F.SocketRequest(Encoding.ASCII.GetBytes($"POST /v1/units/{raw}.service/start HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));

        Assert.Equal(404, status);
        string error = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
        Assert.StartsWith("not a unit name: ", error);
        Assert.Contains(why, error);
        Assert.Empty(Survivors.Recorded(F.PidsDir));
        Assert.DoesNotContain("worker@", F.Cli("list", "--all").Stdout);
    }

    [Fact]
    public void An_instance_name_longer_than_systemd_allows_is_refused_by_the_cli()
    {
        F.WriteUnit("worker@", Template());
        F.Start();

        var r = F.Cli("start", "worker@" + new string('x', 300));

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("longer than 255 bytes", r.Stderr);
        Assert.Empty(Survivors.Recorded(F.PidsDir));
    }

    private string Write(string relative, string text)
    {
        string path = Path.Combine(F.UnitDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }
}
