using System.Diagnostics;
using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Who may act over HTTP and the socket, tried as an attacker would (issue #11, item 1): every
/// spelling and method of an action needs the token, whatever the path looks like; a path that
/// names no route is 404 and runs nothing; a request must name this endpoint as its Host (DNS
/// rebinding); an action from a browser must come from the endpoint's own origin; and an action
/// over HTTP is recorded with the address it came from. Browser attacks run in Chromium.
/// </summary>
public sealed class SecurityHttpScenarios : Scenario
{
    /// <summary>The same stop, spelled as a client may send it; each is the route POST /v1/units/web.service/stop.</summary>
    private static readonly string[] StopSpellings =
    [
        "/v1/units/web/stop", "//v1/units/web/stop", "/v1//units/web/stop", "/v1/units/web/stop/",
        "///v1///units///web.service///stop///", "/%76%31/units/web/stop", "/v1/units/%77eb/stop", "/v1/%75nits/web/%73top",
    ];

    private WebEndpoint StartWeb(params string[] extra)
    {
        var web = new WebEndpoint(F);
        // Started and stopped many times in a row by some tests: no start rate limit.
        F.WriteUnit("web", $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start([.. web.Args, .. extra]);
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        return web;
    }

    private static string Request(string method, string path, int port, string? token = null, string? origin = null, string? host = null) =>
        $"{method} {path} HTTP/1.1\r\nHost: {host ?? $"127.0.0.1:{port}"}\r\nContent-Length: 0\r\n" +
        (token is null ? "" : $"Authorization: Bearer {token}\r\n") + (origin is null ? "" : $"Origin: {origin}\r\n") + "\r\n";

    private void AssertUntouched(string mainPid)
    {
        Assert.Equal("active", F.Prop("web", "ActiveState"));
        Assert.Equal(mainPid, F.Prop("web", "MainPID"));
        Assert.Equal("0", F.Prop("web", "NRestarts"));
        var deaths = JsonDocument.Parse(F.Cli("why", "web", "--all", "--json").Stdout).RootElement.GetProperty("deaths");
        Assert.Equal(0, deaths.GetArrayLength());
    }

    [Fact]
    public void No_spelling_and_no_method_of_an_action_passes_without_the_token()
    {
        using var web = StartWeb();
        string pid = F.Prop("web", "MainPID");
        var paths = StopSpellings.Concat(["/v1/units/web/kill?signal=KILL", "//v1/units/web/restart", "/v1/units/web/start/", "//v1/daemon-reload", "/v1//reset-failed",
            "/v1/units/web/explode", "/v1/units/../units/web/stop", "/v1/units/web%2Fstop", "/nothing/here", "/metrics", "/"]);
        foreach (var path in paths)
            foreach (var method in new[] { "POST", "PUT", "DELETE", "PATCH", "post", "OPTIONS" })
            {
                var (status, body) = web.Raw(Request(method, path, web.Port));
                Assert.True(status == 401, $"{method} {path} without a token answered {status}: {body}");
            }
        AssertUntouched(pid);
    }

    [Fact]
    public void Every_spelling_is_the_same_route_with_the_token_and_a_path_that_names_no_route_runs_nothing()
    {
        using var web = StartWeb();
        string pid = F.Prop("web", "MainPID");
        foreach (var path in new[] { "/v1/units/web/explode", "/v1/units/../units/web/stop", "/v1/units/web%2Fstop", "/v1/units/web/./stop", "/v2/units/web/stop", "/v1/units/web/stop/now" })
        {
            var (status, body) = web.Raw(Request("POST", path, web.Port, web.Token));
            Assert.True(status == 404, $"POST {path} answered {status}: {body}");
        }
        AssertUntouched(pid);

        // Each spelling of the stop is the stop: it stops the unit (which is started again between two).
        foreach (var path in StopSpellings)
        {
            var (status, body) = web.Raw(Request("POST", path, web.Port, web.Token));
            Assert.True(status == 200, $"POST {path} with the token answered {status}: {body}");
            Assert.Equal("inactive", F.Prop("web", "ActiveState"));
            var start = F.Cli("start", "web");
            Assert.True(start.ExitCode == 0, $"after POST {path}: {start}");
        }
    }

    [Fact]
    public void A_member_of_the_socket_group_cannot_act_through_any_spelling()
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start("--socket-group", "65534");
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        string pid = F.Prop("web", "MainPID");
        foreach (var path in StopSpellings.Concat(["//v1/daemon-reload", "/v1//reset-failed/"]))
        {
            var r = Curl(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], "POST", path);
            Assert.True(r.Stdout.EndsWith(" 403", StringComparison.Ordinal), $"POST {path} as a member of the group: {r}");
            Assert.Contains("may read", r.Stdout);
        }
        // The same spellings of a read are reads.
        foreach (var path in new[] { "//v1/units/web", "/v1/units/web.service/", "/%76%31/units" })
            Assert.EndsWith(" 200", Curl(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"], "GET", path).Stdout);
        AssertUntouched(pid);
    }

    /// <summary>curl on the daemon's socket through a prefix (another user), the path sent as written; stdout ends with " STATUS".</summary>
    private CliResult Curl(string[] prefix, string method, string path)
    {
        var psi = new ProcessStartInfo(prefix[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in prefix[1..].Concat(["/usr/bin/curl", "-s", "--path-as-is", "--max-time", "30", "--unix-socket", F.Socket, "-X", method, "-w", " %{http_code}", $"http://corral{path}"]))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout, stderr, TimeSpan.Zero);
    }

    [Fact]
    public void A_request_that_names_another_host_is_refused_even_a_read()
    {
        using var web = StartWeb("--http-host", "corral.test");
        foreach (var host in new[] { "evil.example", $"evil.example:{web.Port}", $"127.0.0.1:{web.Port + 1}", $"127.0.0.2:{web.Port}", $"corral.test.evil.example:{web.Port}" })
            foreach (var path in new[] { "/v1/units", "/v1/units/web/logs", "/v1/stream", "/metrics", "/" })
            {
                var (status, body) = web.Raw(Request("GET", path, web.Port, host: host));
                Assert.True(status == 403, $"GET {path} with Host {host} answered {status}");
                Assert.Contains("--http-host", body);
                Assert.DoesNotContain("mainPid", body);
            }
        var (none, noneBody) = web.Raw($"GET /v1/units HTTP/1.0\r\n\r\n");
        Assert.Equal(403, none);
        Assert.Contains("no Host header", noneBody);

        // The bound address, localhost on a loopback endpoint, and a name given with --http-host are this endpoint.
        foreach (var host in new[] { $"127.0.0.1:{web.Port}", $"localhost:{web.Port}", $"LOCALHOST:{web.Port}", "corral.test", $"corral.test:{web.Port}", "Corral.Test:8080" })
            Assert.Equal(200, web.Raw(Request("GET", "/v1/units", web.Port, host: host)).Status);
    }

    [Fact]
    public void An_action_from_another_origin_is_refused_even_with_the_token()
    {
        using var web = StartWeb();
        string pid = F.Prop("web", "MainPID");
        foreach (var origin in new[] { "http://evil.example", "null", $"http://127.0.0.1:{web.Port + 1}", $"https://127.0.0.1:{web.Port}" })
        {
            var (status, body) = web.Raw(Request("POST", "/v1/units/web/stop", web.Port, web.Token, origin));
            Assert.True(status == 403, $"Origin {origin} answered {status}: {body}");
            Assert.Contains("cross-origin request refused", body);
        }
        var (fetched, fetchBody) = web.Raw($"POST /v1/units/web/stop HTTP/1.1\r\nHost: 127.0.0.1:{web.Port}\r\nAuthorization: Bearer {web.Token}\r\nSec-Fetch-Site: cross-site\r\n\r\n");
        Assert.Equal(403, fetched);
        Assert.Contains("cross-site request refused", fetchBody);
        AssertUntouched(pid);

        // From its own origin, and from a client that is not a browser (no Origin), the token is what counts.
        Assert.Equal(200, web.Raw(Request("POST", "/v1/units/web/stop", web.Port, web.Token, $"http://127.0.0.1:{web.Port}")).Status);
        Assert.Equal("inactive", F.Prop("web", "ActiveState"));
    }

    [Fact]
    public void Actions_over_HTTP_are_recorded_with_the_address_they_came_from()
    {
        using var web = StartWeb();
        Assert.Equal(200, web.Raw(Request("POST", "/v1/units/web/kill?signal=KILL&whom=main", web.Port, web.Token)).Status);
        Wait.Until(() => F.Cli("why", "web", "--json").Stdout.Contains("\"pid\""), TimeSpan.FromSeconds(10), "the death of web's main process");
        var death = JsonDocument.Parse(F.Cli("why", "web", "--json").Stdout).RootElement.GetProperty("deaths")[0];
        Assert.Equal("corral", death.GetProperty("cause").GetString());
        Assert.Equal("kill over HTTP from 127.0.0.1", death.GetProperty("corral").GetProperty("verb").GetString());
        Assert.Contains("kill over HTTP from 127.0.0.1", F.Cli("why", "web").Stdout);

        Assert.Equal(200, web.Raw(Request("POST", "/v1/units/web/start", web.Port, web.Token)).Status);
        var notices = Notices("web.service").Where(n => n.GetProperty("kind").GetString() == "http-action").Select(n => n.GetProperty("message").GetString()).ToList();
        Assert.Contains("kill of web.service asked over HTTP from 127.0.0.1 with the token", notices);
        Assert.Contains("start of web.service asked over HTTP from 127.0.0.1 with the token", notices);
        // The same verbs on the socket are the local ones.
        Assert.Equal(0, F.Cli("stop", "web").ExitCode);
        var stop = JsonDocument.Parse(F.Cli("why", "web", "--json").Stdout).RootElement.GetProperty("deaths")[0];
        Assert.Equal("stop", stop.GetProperty("corral").GetProperty("verb").GetString());
    }

    [Fact]
    public async Task A_page_of_another_site_in_a_browser_is_refused_every_action_in_every_spelling()
    {
        using var web = StartWeb();
        string pid = F.Prop("web", "MainPID");
        var targets = new List<string>();
        foreach (var verb in new[] { "stop", "start", "restart", "reload", "kill", "reset-failed" })
            foreach (var spelling in new[] { $"/v1/units/web/{verb}", $"//v1/units/web/{verb}", $"/v1//units/web.service/{verb}/", $"/%76%31/units/web/{verb}" })
                targets.Add($"{web.Url}{spelling}");
        targets.AddRange([$"{web.Url}/v1/daemon-reload", $"{web.Url}//v1/reset-failed"]);
        // Plain form posts need no preflight; each goes to a frame of its own. Scripts post too, without CORS.
        var forms = string.Join("\n", targets.Select((t, i) =>
            $"<iframe name='f{i}'></iframe><form id='form{i}' method='POST' target='f{i}' action='{t}' enctype='{(i % 2 == 0 ? "application/x-www-form-urlencoded" : "text/plain")}'><input name='token' value='{web.Token}'></form>"));
        string html = $"<!doctype html><html><body>{forms}<script>" +
                      $"window.sent = 0; for (let i = 0; i < {targets.Count}; i++) {{ document.getElementById('form' + i).submit(); window.sent++; }}" +
                      $"window.fetches = Promise.all({JsonSerializer.Serialize(targets)}.map(u => fetch(u, {{ method: 'POST', mode: 'no-cors', headers: {{ 'Content-Type': 'text/plain' }}, body: 'x' }}).then(() => 1, () => 0)));" +
                      "</script></body></html>";
        using var attacker = new StaticPage(html);
        double refusedBefore = web.Metric("corral_http_requests_refused_total");

        await using var b = await Browser.Open(attacker.Url);
        Assert.Equal(targets.Count, await b.Page.EvaluateAsync<int>("() => window.sent"));
        Assert.Equal(targets.Count, (await b.Page.EvaluateAsync<int[]>("() => window.fetches")).Sum());
        // Every request reached the daemon and was refused: a form and a fetch per target.
        Wait.Until(() => web.Metric("corral_http_requests_refused_total") - refusedBefore >= 2 * targets.Count, TimeSpan.FromSeconds(20),
            $"{2 * targets.Count} refusals (seen {web.Metric("corral_http_requests_refused_total") - refusedBefore})");
        await b.Screenshot("attack-forms");
        Assert.Equal(2 * targets.Count, web.Metric("corral_http_requests_refused_total") - refusedBefore);
        AssertUntouched(pid);
    }

    [Fact]
    public async Task A_page_whose_name_was_rebound_to_this_address_cannot_read_anything()
    {
        using var web = StartWeb();
        // The attacker's name now resolves to this machine (DNS rebinding): a script of the attacker's
        // origin reads that origin — which is the daemon's port. The browser opens the origin (the daemon
        // refuses even that page) and the attacker's script runs in it.
        string origin = $"http://rebind.test:{web.Port}";
        double refusedBefore = web.Metric("corral_http_requests_refused_total");
        await using var b = await Browser.Open("about:blank", "--host-resolver-rules=MAP rebind.test 127.0.0.1");
        var page = await b.Page.GotoAsync($"{origin}/");
        Assert.Equal(403, page!.Status);
        foreach (var path in new[] { "/v1/units", "/v1/units/web.service", "/v1/units/web/logs", "/v1/deaths", "/metrics" })
        {
            var answer = await b.Page.EvaluateAsync<JsonElement>($"async () => {{ const r = await fetch('{path}'); return {{ status: r.status, body: await r.text() }}; }}");
            Assert.Equal(403, answer.GetProperty("status").GetInt32());
            Assert.DoesNotContain("mainPid", answer.GetProperty("body").GetString());
            Assert.Contains("is not this endpoint", answer.GetProperty("body").GetString());
        }
        // The page, the five reads (and the browser's own /favicon.ico, if it asked already).
        Assert.True(web.Metric("corral_http_requests_refused_total") - refusedBefore >= 6);
    }

    [Fact]
    public void A_bad_http_host_value_is_refused_naming_it()
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        var r = F.RunToExit("daemon", "--units", F.UnitDir, "--http", "127.0.0.1:0", "--http-host", "http://corral.test/", "--cgroup-root", F.CgroupRoot);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("--http-host 'http://corral.test/' is not a host name", r.Stderr);
        Assert.Contains("--http-host needs --http", F.RunToExit("daemon", "--units", F.UnitDir, "--http-host", "corral.test").Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot));
    }
}
