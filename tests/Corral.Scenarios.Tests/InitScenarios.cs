using Corral.Linux;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #17 item 1: <c>corral init</c> as PID 1 of a new pid and mount namespace, as in a container: the
/// command is main.service, orphans are reaped, signals are handed on, SIGTERM stops everything
/// within the grace, the exit code is the command's and the termination log says why it ended.
/// </summary>
public sealed class InitScenarios : Scenario
{
    private string TerminationLine(InitRun run) => File.ReadAllText(run.TerminationLog);

    [Fact]
    public void The_exit_code_is_the_commands_its_output_is_the_containers_and_the_termination_log_says_why()
    {
        using var run = new InitRun(F, [], ["/bin/sh", "-c", "echo hello from the command; echo to stderr >&2; exit 3"]);
        Assert.Equal(3, run.WaitForExit());
        Assert.Contains("hello from the command\n", run.Stdout);
        Assert.Contains("to stderr\n", run.Stderr);
        string line = TerminationLine(run);
        Assert.Matches(@"^main\.service: main process \d+ \(sh\) exited with status 3 at \d\d:\d\d:\d\d\.\d{3} UTC\n$", line);
        Assert.False(Directory.Exists(F.CgroupRoot), "the init's cgroups are left");
    }

    [Fact]
    public void A_command_killed_by_a_signal_exits_128_plus_the_signal_and_the_pid_namespace_is_said_to_hide_the_sender()
    {
        using var run = new InitRun(F, [], ["/bin/sh", "-c", "kill -KILL $$"]);
        Assert.Equal(137, run.WaitForExit());
        // The kernel's trace and process events name the machine's pids, which a pid namespace does not see: not guessed at.
        Assert.Matches(@"^main\.service: main process \d+ \(sh\) was killed by SIGKILL at [0-9:.]+ UTC; sender unknown: tracing unavailable in this container \(this pid namespace is not the machine's", TerminationLine(run));
        Assert.Contains("corral: process events unavailable in this container (this pid namespace is not the machine's", run.Stderr);
    }

    [Fact]
    public void Orphans_are_reaped_at_once()
    {
        // Five orphans end while the command waits: with no reaper they would be five zombies.
        const string Script = "for i in 1 2 3 4 5; do (sleep 0.2 &); done; sleep 1.5; " +
                              "echo zombies: $(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l)";
        using var run = new InitRun(F, [], ["/bin/sh", "-c", Script]);
        Assert.Equal(0, run.WaitForExit());
        Assert.Contains("zombies: 0\n", run.Stdout);
    }

    [Fact]
    public void SIGTERM_stops_a_tree_that_ignores_it_after_the_grace_with_SIGKILL()
    {
        using var run = new InitRun(F, ["--grace", "2s"], ["/bin/sh", "-c", "trap '' TERM; sleep 1000 & sleep 1000 & echo started; wait"]);
        run.WaitFor("started");
        Assert.True(Signaller.TryKill(run.InitPid, 15));
        Assert.Equal(137, run.WaitForExit());
        Assert.Contains("corral: init: SIGTERM: stopping every unit", run.Stderr);
        Assert.Matches(@"^main\.service: main process \d+ \(sh\) was killed by SIGKILL from corral \(", TerminationLine(run));
        Assert.False(Directory.Exists(F.CgroupRoot), "a process of the tree is left");
    }

    [Fact]
    public void Signals_are_handed_on_to_the_command()
    {
        const string Script = "trap 'echo got HUP' HUP; trap 'echo got USR1; exit 7' USR1; echo ready; while :; do sleep 0.05; done";
        using var run = new InitRun(F, [], ["/bin/sh", "-c", Script]);
        run.WaitFor("ready");
        int init = run.InitPid;
        Assert.True(Signaller.TryKill(init, 1), $"init pid {init} is gone: {run.Stdout}{run.Stderr}");
        run.WaitFor("got HUP");
        Assert.True(Signaller.TryKill(init, 10));
        Assert.Equal(7, run.WaitForExit());
        Assert.Contains("got USR1\n", run.Stdout);
        Assert.Contains("exited with status 7", TerminationLine(run));
    }

    [Fact]
    public void Without_the_capabilities_for_tracing_and_process_events_it_says_so_and_everything_else_works()
    {
        // Not PID 1 here (a subreaper in the machine's pid namespace), without CAP_SYS_ADMIN (tracefs
        // cannot be mounted) and CAP_NET_ADMIN.
        string[] without = ["/usr/bin/setpriv", "--bounding-set=-sys_admin,-net_admin", "--inh-caps=-sys_admin,-net_admin"];
        using var run = new InitRun(F, [], ["/bin/sh", "-c", "echo running; (sleep 0.2 &); sleep 0.5; kill -KILL $$"], without, pidNamespace: false);
        Assert.Equal(137, run.WaitForExit());
        Assert.Contains("running\n", run.Stdout);
        // Since Linux 6.6 the process connector takes a subscription without CAP_NET_ADMIN (on older
        // kernels the refusal is read and said); in the machine's pid namespace its events are usable.
        Assert.DoesNotContain("process events unavailable", run.Stderr);
        string line = TerminationLine(run);
        Assert.Contains("was killed by SIGKILL at ", line);
        Assert.Contains("sender unknown: tracing unavailable in this container (tracefs could not be mounted", line);
        Assert.False(Directory.Exists(F.CgroupRoot), "the init's cgroups are left");
    }

    [Fact]
    public void With_units_the_enabled_ones_start_first_their_lines_named_and_stop_with_the_container()
    {
        string units = Directory.CreateDirectory(Path.Combine(F.Dir, "container-units")).FullName;
        string flag = Path.Combine(F.Dir, "side-ready");
        // A oneshot is started once its command has run: the command can only see the flag if it came first.
        File.WriteAllText(Path.Combine(units, "side.service"),
            $"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'echo side says hi; touch {flag}'\n[Install]\nWantedBy=multi-user.target\n");
        File.WriteAllText(Path.Combine(units, "sidecar.service"), "[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n");
        File.WriteAllText(Path.Combine(units, "idle.service"), "[Service]\nExecStart=/bin/sleep 1000\n"); // not enabled: not started
        Directory.CreateDirectory(Path.Combine(units, "multi-user.target.wants"));
        File.CreateSymbolicLink(Path.Combine(units, "multi-user.target.wants", "side.service"), "../side.service");
        File.CreateSymbolicLink(Path.Combine(units, "multi-user.target.wants", "sidecar.service"), "../sidecar.service");
        using var run = new InitRun(F, ["--units", units], ["/bin/sh", "-c", $"test -f {flag} && echo main saw the side ready"]);
        Assert.Equal(0, run.WaitForExit());
        Assert.Contains("side.service: side says hi\n", run.Stdout);
        Assert.Contains("\nmain saw the side ready\n", "\n" + run.Stdout);
        Assert.DoesNotContain("idle.service", run.Stdout + run.Stderr);
        Assert.Matches(@"corral: init: the enabled units are up\n", run.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot), "the sidecar is left running");
    }

    [Fact]
    public void A_command_that_cannot_run_exits_127_and_says_why()
    {
        using var run = new InitRun(F, [], ["no-such-command-anywhere", "--flag"]);
        Assert.Equal(127, run.WaitForExit());
        Assert.StartsWith("main.service: did not start: ", TerminationLine(run));
        Assert.Contains("executable 'no-such-command-anywhere' not found", TerminationLine(run));
    }

    [Fact]
    public void Bad_options_are_refused_by_name_before_anything_runs()
    {
        var noCommand = F.RunToExit("init", "--cgroup-root", F.CgroupRoot, "--socket", F.Socket);
        Assert.Equal(1, noCommand.ExitCode);
        Assert.Contains("init: no command given", noCommand.Stderr);
        var grace = F.RunToExit("init", "--grace", "soon", "--", "/bin/true");
        Assert.Equal(1, grace.ExitCode);
        Assert.Contains("init: --grace 'soon' is not a time span", grace.Stderr);
        var unknown = F.RunToExit("init", "--gracefully", "--", "/bin/true");
        Assert.Contains("init: unknown option '--gracefully'", unknown.Stderr);
        var newline = F.RunToExit("init", "--cgroup-root", F.CgroupRoot, "--socket", F.Socket, "--state-dir", Path.Combine(F.Dir, "state"), "--", "/bin/echo", "a\nb");
        Assert.Equal(1, newline.ExitCode);
        Assert.Contains("init: argument 1 of the command (a\\x0ab) holds a line break", newline.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot));
    }
}
