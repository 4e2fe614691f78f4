using Corral.Scenarios.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Corral.Scenarios.Tests;

/// <summary>
/// The page at / in a real browser (Debian's chromium, driven by Playwright): the live list, stop and
/// start from the page, a death in a unit's timeline with its cause, the process tree and the charts.
/// Each test keeps screenshots in artifacts/screenshots.
/// </summary>
public sealed class WebPageScenarios : Scenario
{
    // A page waits on the daemon's live feed and the daemon on processes: 20 s, not Playwright's 5 s.
    static WebPageScenarios() => SetDefaultExpectTimeout(20_000);

    private WebEndpoint StartUnits(params (string Name, string Mode)[] units)
    {
        var web = new WebEndpoint(F);
        foreach (var (name, mode) in units) F.WriteUnit(name, $"[Unit]\nDescription=the {name} service\n[Service]\nExecStart={F.Workload(mode)}\n");
        F.Start(web.Args);
        foreach (var (name, _) in units) F.Cli("start", name);
        return web;
    }

    private static ILocator Cell(IPage page, string unit, string field) => page.Locator($"tr[data-unit='{unit}'] [data-field='{field}']");

    [Fact]
    public async Task The_list_shows_a_running_unit_with_its_pid_tasks_and_the_last_death_in_words()
    {
        using var web = StartUnits(("web", "sleep"), ("crash", "exit 3"));
        Wait.Until(() => F.Prop("crash", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "crash to fail");
        await using var b = await Browser.Open(web.Url + "/");
        var page = b.Page;

        await Expect(Cell(page, "web.service", "state")).ToHaveTextAsync("active (running)");
        await Expect(Cell(page, "web.service", "pid")).ToHaveTextAsync(F.Prop("web", "MainPID"));
        await Expect(Cell(page, "web.service", "tasks")).ToHaveTextAsync(F.Prop("web", "TasksCurrent"));
        await Expect(Cell(page, "web.service", "zombies")).ToHaveTextAsync("0");
        await Expect(Cell(page, "crash.service", "state")).ToHaveTextAsync("failed (exit-code)");
        await Expect(Cell(page, "crash.service", "last-death")).ToContainTextAsync("exited with status 3");
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        // Read-only without a token: no buttons.
        await Expect(page.Locator("button[data-action]")).ToHaveCountAsync(0);
        await b.Screenshot("list");
    }

    [Fact]
    public async Task A_stop_from_the_page_is_reflected_live_and_so_is_a_start_from_the_command_line()
    {
        using var web = StartUnits(("web", "sleep"), ("other", "sleep"));
        await using var b = await Browser.Open(web.Url + "/");
        var page = b.Page;
        await Expect(Cell(page, "web.service", "state")).ToHaveTextAsync("active (running)");

        await page.FillAsync("#token", web.Token);
        await page.ClickAsync("#token-form button[type=submit]");
        await Expect(page.Locator("#token-state")).ToHaveTextAsync("actions allowed");
        // A mark that a reload would wipe: every change below must come without one.
        await page.EvaluateAsync("() => { window.corralTestMark = 42; }");

        await page.ClickAsync("tr[data-unit='web.service'] button[data-action='stop']");
        await Expect(Cell(page, "web.service", "state")).ToHaveTextAsync("inactive (dead)");
        await Expect(Cell(page, "web.service", "pid")).ToHaveTextAsync("–");
        Assert.Equal("inactive", F.Prop("web", "ActiveState"));
        Assert.Equal("active", F.Prop("other", "ActiveState"));
        await Expect(Cell(page, "web.service", "last-death")).ToContainTextAsync("stop over HTTP");
        await b.Screenshot("list-after-stop");

        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        await Expect(Cell(page, "web.service", "state")).ToHaveTextAsync("active (running)");
        await Expect(Cell(page, "web.service", "pid")).ToHaveTextAsync(F.Prop("web", "MainPID"));
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.corralTestMark"));
    }

    [Fact]
    public async Task A_zombie_factory_shows_as_a_notice_live_in_the_list_and_on_its_page()
    {
        var web = new WebEndpoint(F);
        using var _ = web;
        F.WriteUnit("factory", $"[Service]\nExecStart={F.Workload("zombies 3")}\n[X-Corral]\nZombieMax=1\n");
        F.Start(web.Args);
        await using var b = await Browser.Open(web.Url + "/");
        var page = b.Page;
        await Expect(page.Locator("#notices")).ToHaveTextAsync("none");
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");

        Assert.Equal(0, F.Cli("start", "factory").ExitCode);

        var notice = page.Locator("#notices li[data-kind='zombies-exceeded'][data-unit='factory.service']");
        await Expect(notice).ToContainTextAsync("3 zombies, more than ZombieMax=1");
        await Expect(Cell(page, "factory.service", "zombies")).ToHaveTextAsync("3");
        await Expect(Cell(page, "factory.service", "zombies")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("warn"));
        await b.Screenshot("list-notice");

        await page.ClickAsync("tr[data-unit='factory.service'] a");
        await Expect(page.Locator("#unit-notices li[data-kind='zombies-exceeded']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#tree li.zombie")).ToHaveCountAsync(3);
    }

    [Fact]
    public async Task A_wrong_token_gives_no_buttons_and_says_why()
    {
        using var web = StartUnits(("web", "sleep"));
        await using var b = await Browser.Open(web.Url + "/");
        var page = b.Page;
        await Expect(Cell(page, "web.service", "state")).ToHaveTextAsync("active (running)");
        await page.FillAsync("#token", "certainly-not-the-right-token");
        await page.ClickAsync("#token-form button[type=submit]");
        await Expect(page.Locator("#token-state")).ToHaveTextAsync("the token is wrong");
        await Expect(page.Locator("button[data-action]")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_death_appears_in_the_units_timeline_with_its_cause_beside_its_process_tree_and_charts()
    {
        using var web = StartUnits(("tree", "sigtree"));
        Wait.Until(() => CgroupPids("tree").Count >= 3, TimeSpan.FromSeconds(10), "the tree's three processes");
        int main = int.Parse(F.Prop("tree", "MainPID"));
        int child = CgroupPids("tree").Single(p => p != main && File.ReadAllText($"/proc/{p}/stat").Split(") ")[1].Split(' ')[1] == main.ToString());
        await using var b = await Browser.Open(web.Url + "/#unit=tree.service");
        var page = b.Page;

        await Expect(page.Locator("#unit-state")).ToHaveTextAsync("active (running)");
        await Expect(page.Locator("#unit-description")).ToHaveTextAsync("the tree service");
        // The tree: the child is drawn under the main process.
        await Expect(page.Locator($"#tree li[data-pid='{main}'] > ul > li[data-pid='{child}']")).ToHaveCountAsync(1);
        // The charts draw the samples (the first within one step of the history, 10 s).
        await Expect(page.Locator("#chart-tasks polyline")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(page.Locator("#chart-memory polyline")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(page.Locator("#timeline")).ToHaveTextAsync("no deaths recorded");

        Assert.True(Linux.Signaller.TryKill(main, 9)); // the test's own workload, started by its own daemon

        var death = page.Locator($"#timeline li[data-pid='{main}']");
        await Expect(death).ToHaveAttributeAsync("data-cause", "signal");
        await Expect(death).ToContainTextAsync($"main process {main} (corral-workload) was killed by SIGKILL sent by pid {Environment.ProcessId}");
        await Expect(page.Locator("#unit-state")).Not.ToHaveTextAsync("active (running)");
        await b.Screenshot("unit");
    }

    [Fact]
    public async Task A_units_own_STATUS_is_shown_as_text_and_follows_it_live()
    {
        var web = new WebEndpoint(F);
        using var _ = web;
        F.WriteUnit("st", "[Service]\nType=notify\nExecStart=" +
            F.Workload("notify \"on-hup:STATUS=Serving 3 clients\" \"send:READY=1\\nSTATUS=<b>warming</b>\" hang") + "\n");
        F.Start(web.Args);
        Assert.Equal(0, F.Cli("start", "st").ExitCode);
        await using var b = await Browser.Open(web.Url + "/#unit=st.service");
        var status = b.Page.Locator("#unit-facts dt:text-is('Status') + dd");

        await Expect(status).ToHaveTextAsync("<b>warming</b>"); // the service's words, never its markup
        await Expect(b.Page.Locator("#unit-facts b")).ToHaveCountAsync(0);
        Assert.Equal(0, F.Cli("kill", "st", "-s", "HUP", "--kill-whom=main").ExitCode); // it says its next status
        await Expect(status).ToHaveTextAsync("Serving 3 clients");
        await b.Screenshot("status");
    }
}
