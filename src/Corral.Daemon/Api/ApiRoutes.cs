using System.Globalization;
using System.Text.Json;
using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Daemon.Services;

namespace Corral.Daemon.Api;

/// <summary>Maps API paths to the manager. Every error is a JSON object with one clear message.</summary>
public sealed class ApiRoutes(Manager manager, Deaths.EventStore store, Monitoring.HealthMonitor monitor, string logDir)
{
    /// <summary>Tasks and memory over the last hour; kept only while the HTTP endpoint is on.</summary>
    public Web.UsageHistory? History { get; init; }

    /// <summary>GET /v1/units: every unit and the machine; also the live feed's units event.</summary>
    public string UnitsJson() => JsonSerializer.Serialize(new UnitList(manager.List()) { Machine = monitor.Machine() }, ApiJson.Default.UnitList);

    public string Error(string message) => JsonSerializer.Serialize(new JobResponse(false, message), ApiJson.Default.JobResponse);

    public async Task<byte[]> Handle(HttpRequest req)
    {
        var parts = req.Path.Trim('/').Split('/');
        if (parts.Length < 2 || parts[0] != "v1")
            return HttpRequest.Response(404, Error($"no such API path {req.Path}"));

        if (parts is [_, "units"] && req.Method == "GET")
            return Ok(UnitsJson());

        if (parts is [_, "deaths"] && req.Method == "GET")
            return Ok(JsonSerializer.Serialize(Deaths(req), ApiJson.Default.DeathList));

        if (parts is [_, "deaths", "latest"] && req.Method == "GET")
            return Ok(JsonSerializer.Serialize(new DeathList(store.LastDeaths(Roles(req)).Select(DeathView.From).ToList()), ApiJson.Default.DeathList));

        if (parts is [_, "notices"] && req.Method == "GET")
            return Ok(JsonSerializer.Serialize(NoticesFor(req), ApiJson.Default.NoticeList));

        if (parts is [_, "reset-failed"] && req.Method == "POST")
        {
            foreach (var r in manager.Runners()) r.ResetFailed();
            return Ok(JsonSerializer.Serialize(new JobResponse(true, null), ApiJson.Default.JobResponse));
        }

        if (parts is [_, "daemon-reload"] && req.Method == "POST")
        {
            var diags = manager.Reload();
            return Ok(JsonSerializer.Serialize(new ReloadResponse(true, diags), ApiJson.Default.ReloadResponse));
        }

        if (parts is [_, "units", var name] && req.Method == "GET")
        {
            var status = manager.Status(name, withProcesses: req.Query.ContainsKey("processes"));
            return status is null
                ? HttpRequest.Response(404, Error($"unit {UnitCatalog.Normalize(name)} not found"))
                : Ok(JsonSerializer.Serialize(status, ApiJson.Default.UnitStatus));
        }

        if (parts is [_, "units", var logged, "logs"] && req.Method == "GET")
        {
            if (!manager.Knows(logged))
                return HttpRequest.Response(404, Error($"unit {UnitCatalog.Normalize(logged)} not found"));
            return Ok(JsonSerializer.Serialize(Logs(UnitCatalog.Normalize(logged), req), ApiJson.Default.LogList));
        }

        if (parts is [_, "units", var charted, "history"] && req.Method == "GET")
        {
            if (!manager.Knows(charted))
                return HttpRequest.Response(404, Error($"unit {UnitCatalog.Normalize(charted)} not found"));
            if (History is null)
                return HttpRequest.Response(404, Error("no usage history: it is kept while the HTTP endpoint is on (corral daemon --http ADDRESS:PORT)"));
            return Ok(JsonSerializer.Serialize(History.Of(UnitCatalog.Normalize(charted)), ApiJson.Default.UsageHistoryList));
        }

        if (parts is [_, "units", var shown, "properties"] && req.Method == "GET")
        {
            var status = manager.Status(shown, withProcesses: false);
            if (status is null) return HttpRequest.Response(404, Error($"unit {UnitCatalog.Normalize(shown)} not found"));
            var wanted = req.Query.GetValueOrDefault("p", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
            return req.Query.ContainsKey("json")
                ? Ok(JsonSerializer.Serialize(UnitProperties.Dictionary(status, wanted), ApiJson.Default.DictionaryStringString))
                : HttpRequest.Response(200, UnitProperties.Render(status, wanted, req.Query.ContainsKey("value")), "text/plain; charset=utf-8");
        }

        if (parts is [_, "units", var unit, var verb] && req.Method == "POST")
        {
            if (!manager.TryGetRunner(unit, out var runner, out var error))
                return HttpRequest.Response(404, Error(error!));
            JobResult result = verb switch
            {
                "start" => await runner.StartAsync(req.CallerUid),
                "stop" => await runner.StopAsync(Timeout(req), req.Query.ContainsKey("no-block"), req.OverHttp ? "stop over HTTP" : "stop", req.CallerUid),
                "restart" => await runner.RestartAsync(Timeout(req), req.CallerUid, req.OverHttp ? "restart over HTTP" : "restart"),
                "reload" => await runner.ReloadAsync(),
                "kill" => Kill(runner, req),
                "reset-failed" => runner.ResetFailed(),
                _ => throw new FormatException($"unknown verb '{verb}'"),
            };
            var body = JsonSerializer.Serialize(new JobResponse(result.Ok, result.Error, [.. result.LeftOver], result.Signalled, [.. result.Escaped]), ApiJson.Default.JobResponse);
            return HttpRequest.Response(result.Ok ? 200 : 409, body);
        }
        return req.Method is "GET" or "POST"
            ? HttpRequest.Response(404, Error($"no such API path {req.Path}"))
            : HttpRequest.Response(405, Error($"{req.Method} {req.Path} is not supported"));
    }

    /// <summary>?unit=NAME &amp;role=main,control &amp;since-usec=N &amp;after=ID (oldest first from there) &amp;limit=N</summary>
    private DeathList Deaths(HttpRequest req)
    {
        var (unit, since, after, limit) = Page(req);
        return new DeathList(store.Query(unit, Roles(req), since, after, limit).Select(DeathView.From).ToList());
    }

    /// <summary>?role=main,control: the roles wanted (main, control, process); none is all.</summary>
    private static string[] Roles(HttpRequest req) => req.Query.GetValueOrDefault("role", "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The paging both event lists take: ?unit=NAME &amp;since-usec=N &amp;after=ID &amp;limit=N (default 100).</summary>
    private static (string? Unit, DateTimeOffset? Since, long? After, int Limit) Page(HttpRequest req) =>
        (req.Query.TryGetValue("unit", out var u) ? UnitCatalog.Normalize(u) : null,
         req.Query.TryGetValue("since-usec", out var s) ? DateTimeOffset.UnixEpoch.AddTicks(Number(s, "since-usec") * 10) : null,
         req.Query.TryGetValue("after", out var a) ? Number(a, "after") : null,
         req.Query.TryGetValue("limit", out var l) ? (int)Math.Clamp(Number(l, "limit"), 1, 100_000) : 100);

    /// <summary>?lines=N (the last N, default 100) &amp;after-usec=T (newer than T: -f) &amp;since-usec=T (from T on).</summary>
    private LogList Logs(string unit, HttpRequest req)
    {
        int lines = req.Query.TryGetValue("lines", out var l) ? (int)Math.Clamp(Number(l, "lines"), 1, 1_000_000) : 100;
        long? after = req.Query.TryGetValue("after-usec", out var a) ? Number(a, "after-usec") : null;
        long? since = req.Query.TryGetValue("since-usec", out var s) ? Number(s, "since-usec") : null;
        return new LogList(LogFiles.Read(logDir, unit, lines, after, since)
            .Select(x => new LogEntry(x.Usec, x.At, x.Stream, x.Text)).ToList());
    }

    /// <summary>?unit=NAME &amp;kind=K &amp;since-usec=N &amp;after=ID &amp;limit=N, as for deaths.</summary>
    private NoticeList NoticesFor(HttpRequest req)
    {
        var (unit, since, after, limit) = Page(req);
        return new NoticeList(store.QueryNotices(unit, req.Query.GetValueOrDefault("kind"), since, after, limit));
    }

    private static long Number(string v, string name) =>
        long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : throw new FormatException($"{name} '{v}' is not a number");

    private static byte[] Ok(string json) => HttpRequest.Response(200, json);

    private static TimeSpan? Timeout(HttpRequest req) =>
        req.Query.TryGetValue("timeout-usec", out var v)
            ? long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long us) ? TimeSpan.FromTicks(us * 10)
                : throw new FormatException($"timeout-usec '{v}' is not a number of microseconds")
            : null;

    private static JobResult Kill(ServiceRunner runner, HttpRequest req)
    {
        string sigText = req.Query.GetValueOrDefault("signal", "SIGTERM");
        if (!SignalNames.TryParse(sigText, out int sig))
            throw new FormatException($"'{sigText}' is not a signal");
        string whomText = req.Query.GetValueOrDefault("whom", "all");
        if (!KillModeNames.TryParseWhom(whomText, out var whom))
            throw new FormatException($"kill-whom '{whomText}' is not one of main, control, all");
        return runner.Kill(whom, sig, req.CallerUid);
    }
}
