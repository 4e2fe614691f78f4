using System.Text.Json;
using System.Text.RegularExpressions;
using Corral.Scenarios.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corral.Scenarios.Tests;

/// <summary>Issue #12, item 5: every view tells the truth — load errors, one run at a time, events worth reading, UTC.</summary>
public sealed class TruthScenarios : Scenario
{
    static TruthScenarios() => SetDefaultExpectTimeout(20_000);

    [Fact]
    public async Task A_unit_that_did_not_load_shows_error_everywhere_and_offers_no_start()
    {
        using var web = new WebEndpoint(F);
        F.WriteUnit("good", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("broken", "[Service]\nExecStart=/bin/true\nKillMode=sideways\n");
        F.Start(web.Args);
        Assert.Equal(0, F.Cli("start", "good").ExitCode);
        string file = Path.Combine(F.UnitDir, "broken.service");

        var overview = F.Cli("status").Stdout;
        Assert.Contains($"× broken.service                 error: {file}:3: KillMode=sideways is not one of", overview);
        var status = F.Cli("status", "broken");
        Assert.Equal(3, status.ExitCode);
        Assert.Contains("Active: error: the unit file did not load", status.Stdout);
        Assert.Contains($"Loaded: error ({file}:3: KillMode=sideways is not one of", status.Stdout); // the path once
        Assert.Single(Regex.Matches(status.Stdout, Regex.Escape(file)));
        Assert.DoesNotContain("inactive (dead)", status.Stdout);
        Assert.Matches($@"broken\.service\s+error\s+inactive\s+dead\s+error: {Regex.Escape(file)}:3: KillMode=sideways", F.Cli("list").Stdout);
        Assert.Contains("corral_unit_load_error{unit=\"broken.service\"} 1", web.Get("/metrics").Body);
        Assert.Contains("corral_unit_load_error{unit=\"good.service\"} 0", web.Get("/metrics").Body);

        await using var b = await Browser.Open(web.Url + "/");
        var page = b.Page;
        await page.FillAsync("#token", web.Token);
        await page.ClickAsync("#token-form button[type=submit]");
        await Expect(page.Locator("#token-state")).ToHaveTextAsync("actions allowed");
        var state = page.Locator("tr[data-unit='broken.service'] [data-field='state']");
        await Expect(state).ToHaveTextAsync("error");
        await Expect(state).ToHaveAttributeAsync("title", new Regex("KillMode=sideways"));
        await Expect(page.Locator("tr[data-unit='broken.service'] button")).ToHaveCountAsync(0);
        await Expect(page.Locator("tr[data-unit='good.service'] button[data-action='stop']")).ToHaveCountAsync(1);
        await page.GotoAsync(web.Url + "/#unit=broken.service");
        await Expect(page.Locator("#unit-state")).ToHaveTextAsync("error");
        await Expect(page.Locator("#unit-facts")).ToContainTextAsync("KillMode=sideways");
        await Expect(page.Locator("#unit-actions button")).ToHaveCountAsync(0);
        await b.Screenshot("load-error");
    }

    [Fact]
    public async Task The_page_shows_the_list_before_its_live_feed_speaks_with_times_in_UTC_and_a_favicon()
    {
        using var web = new WebEndpoint(F);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.WriteUnit("crash", $"[Service]\nExecStart={F.Workload("exit 3")}\n");
        F.Start(web.Args);
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        F.Cli("start", "crash");
        Wait.Until(() => F.Prop("crash", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "crash to fail");

        // The live feed never answers: whatever the page shows came from its first load.
        await using var b = await Browser.OpenIn("about:blank", "America/New_York");
        var page = b.Page;
        await page.RouteAsync("**/v1/stream", r => r.AbortAsync());
        await page.GotoAsync(web.Url + "/");
        await Expect(page.Locator("tr[data-unit='web.service'] [data-field='state']")).ToHaveTextAsync("active (running)");
        await Expect(page.Locator("tr[data-unit='crash.service'] [data-field='state']")).ToHaveTextAsync("failed (exit-code)");
        await Expect(page.Locator("#live")).Not.ToHaveTextAsync("live");

        // Times in UTC, 24-hour, the zone named, though the browser's zone is New York.
        var death = JsonDocument.Parse(F.Cli("why", "crash", "--json").Stdout).RootElement.GetProperty("deaths").EnumerateArray().First();
        string ended = death.GetProperty("endedAt").GetDateTimeOffset().UtcDateTime.ToString("HH:mm:ss");
        await page.GotoAsync(web.Url + "/#unit=crash.service");
        await Expect(page.Locator("#timeline .when").First).ToHaveTextAsync($"{ended} UTC");
        await Expect(page.Locator("#unit-facts")).ToContainTextAsync(new Regex(@"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"));

        var icon = web.Get("/favicon.svg");
        Assert.Equal(System.Net.HttpStatusCode.OK, icon.Status);
        Assert.Contains("<svg", icon.Body);
        Assert.Equal("/favicon.svg", await page.Locator("link[rel=icon]").GetAttributeAsync("href"));
    }

    [Fact]
    public void Show_never_mixes_the_exit_of_one_run_with_the_pid_of_the_next()
    {
        StartService("phoenix", $"[Unit]\nStartLimitBurst=50\n[Service]\nExecStart={F.Workload("sleep")}\nRestart=always\nRestartSec=100ms\n");
        int first = int.Parse(F.Prop("phoenix", "MainPID"));
        Assert.Equal(0, F.Cli("kill", "phoenix", "--kill-whom=main", "-s", "TERM").ExitCode);
        Wait.Until(() => F.Prop("phoenix", "MainPID") is var p && p != "0" && p != first.ToString(), TimeSpan.FromSeconds(10), "the restart");

        var props = F.Cli("show", "phoenix", "-p", "MainPID,ExecMainPID,ExecMainCode,ExecMainStatus").Stdout;
        string second = F.Prop("phoenix", "MainPID");
        Assert.Equal($"MainPID={second}\nExecMainPID={second}\nExecMainCode=0\nExecMainStatus=0\n", props);

        Assert.Equal(0, F.Cli("stop", "phoenix").ExitCode);
        Assert.Equal($"MainPID=0\nExecMainPID={second}\nExecMainCode=2\nExecMainStatus=15\n",
            F.Cli("show", "phoenix", "-p", "MainPID,ExecMainPID,ExecMainCode,ExecMainStatus").Stdout);
    }

    [Fact]
    public void Events_hide_clean_exits_of_helper_processes_unless_all_and_filter_by_cause_unit_and_time()
    {
        // The example ticker's habit: a shell whose date and sleep exit 0 every few hundred ms.
        StartService("ticker", "[Service]\nExecStart=/bin/sh -c 'while :; do /bin/true; sleep 0.1; done'\n");
        StartService2("other", $"[Service]\nExecStart={F.Workload("exit 4")}\n");
        Wait.Until(() => F.Cli("events", "--all", "--unit", "ticker").Stdout.Split('\n').Count(l => l.Contains("exited with status 0")) >= 4,
            TimeSpan.FromSeconds(20), "the helpers' clean exits to be recorded");
        Wait.Until(() => F.Prop("other", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "other to fail");
        Assert.Equal(0, F.Cli("stop", "ticker").ExitCode);

        var plain = F.Cli("events").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain(plain, l => l.Contains("exited with status 0"));
        Assert.Contains(plain, l => l.Contains("other.service") && l.Contains("main process") && l.Contains("exited with status 4"));
        Assert.Contains(plain, l => l.Contains("ticker.service") && l.Contains("main process") && l.Contains("SIGTERM"));
        Assert.All(plain, l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} UTC ", l));

        var corral = F.Cli("events", "--cause", "corral").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(corral);
        Assert.All(corral, l => Assert.Contains(" corral ", l));
        var exits = F.Cli("events", "--cause", "exit", "--all", "--unit", "ticker").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(exits.Length >= 4);
        Assert.All(exits, l => Assert.Contains("ticker.service exit", l));
        Assert.Contains("--cause 'bogus' is not one of exit, signal, oom-kill, corral, kernel, seccomp, unknown", F.Cli("events", "--cause", "bogus").Stderr);

        string future = DateTimeOffset.UtcNow.AddMinutes(5).ToString("yyyy-MM-dd HH:mm:ss");
        Assert.Equal("", F.Cli("events", "--since", future).Stdout);
        string past = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd HH:mm:ss") + " UTC";
        Assert.Equal(plain.Length, F.Cli("events", "--since", past).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private void StartService2(string unit, string body)
    {
        F.WriteUnit(unit, body);
        Assert.Equal(0, F.Cli("daemon-reload").ExitCode);
        F.Cli("start", unit);
    }

    [Fact]
    public void The_example_units_do_what_they_say()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Root, "examples", "units")))
            File.Copy(f, Path.Combine(F.UnitDir, Path.GetFileName(f)));
        F.Start();
        Assert.Equal(0, F.Cli("start", "nightly").ExitCode);
        var log = F.Cli("logs", "nightly").Stdout;
        Assert.Contains("stdout preparing", log);
        Assert.Contains("stdout nightly job for nobody in /tmp", log); // $$PWD: the shell's, not an empty unit variable
        Assert.Equal("success", F.Prop("nightly", "Result")); // the failing ExecStartPost= is '-': ignored, as it says

        Assert.Equal(0, F.Cli("start", "ticker", "workers").ExitCode);
        Wait.Until(() => F.Cli("logs", "ticker").Stdout.Contains("stdout tick "), TimeSpan.FromSeconds(10), "a tick");
        Assert.Equal("3", F.Prop("workers", "TasksCurrent")); // a parent and its two workers
        Assert.Equal(0, F.Cli("stop", "ticker", "workers").ExitCode);
        Assert.Equal("[not set]", F.Prop("workers", "TasksCurrent")); // no cgroup left: nothing of it runs
    }
}
