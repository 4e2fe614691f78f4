using System.Globalization;
using System.Text.Json;
using Corral.Core.Killing;
using Corral.Core.Signals;
using Corral.Core.Units;
using Corral.Daemon.Services;
using Corral.Daemon.Wire;
using Corral.Daemon.Http;

namespace Corral.Daemon.Api;

/// <summary>Maps API paths to the manager. Every error is a JSON object with one clear message.</summary>
internal sealed class ApiRoutes(Manager manager, Jobs.JobEngine jobs, Deaths.EventStore store, Monitoring.HealthMonitor monitor, string logDir)
{
    /// <summary>Tasks and memory over the last hour; kept only while the HTTP endpoint is on.</summary>
    public Monitoring.UsageHistory? History { get; init; }

    /// <summary>The machine's top OOM candidates (ps --machine).</summary>
    public Monitoring.OomCandidates? Oom { get; init; }

    /// <summary>daemon-reexec's preparation (set by the daemon once everything it stops exists).</summary>
    public Func<Task<(bool Ok, string Message)>>? Reexec { get; set; }

    /// <summary>GET /v1/units: every unit and the machine; also the live feed's units event.</summary>
    public string UnitsJson() => JsonSerializer.Serialize(new UnitList(manager.List()) { Machine = monitor.Machine() }, ApiJson.Default.UnitList);

    public string Error(string message) => JsonSerializer.Serialize(new JobResponse(false, message), ApiJson.Default.JobResponse);

    /// <summary>The route of a request, or null (then nothing may run: the answer is <see cref="NotFound"/>).</summary>
    public static ApiRoute? RouteOf(HttpRequest req) => ApiRoute.Match(req.Method, req.Segments);

    public byte[] NotFound(HttpRequest req) =>
        req.Method is "GET" or "HEAD" or "POST"
            ? HttpRequest.Response(404, Error($"no such API path {req.Path}"))
            : HttpRequest.Response(405, Error($"{req.Method} {req.Path} is not supported"));

    /// <summary>Carries out a route the caller has been found allowed to take.</summary>
    public async Task<byte[]> Handle(HttpRequest req, ApiRoute route)
    {
        switch (route.Kind)
        {
            case ApiRouteKind.Units:
                return Ok(UnitsJson());
            case ApiRouteKind.Deaths:
                return Ok(JsonSerializer.Serialize(Deaths(req), ApiJson.Default.DeathList));
            case ApiRouteKind.LatestDeaths:
                return Ok(JsonSerializer.Serialize(new DeathList(store.LastDeaths(Roles(req)).Select(DeathView.From).ToList()), ApiJson.Default.DeathList));
            case ApiRouteKind.Notices:
                return Ok(JsonSerializer.Serialize(NoticesFor(req), ApiJson.Default.NoticeList));
            case ApiRouteKind.OomCandidates:
            {
                if (Oom is null) return HttpRequest.Response(404, Error("no OOM candidates here"));
                int limit = req.Query.TryGetValue("limit", out var l) ? (int)Math.Clamp(Number(l, "limit"), 1, Monitoring.OomCandidates.MaxLimit) : 10;
                return Ok(JsonSerializer.Serialize(new OomCandidateList(Oom.Top(limit)), ApiJson.Default.OomCandidateList));
            }
            case ApiRouteKind.ResetFailedAll:
                Audit(req, route);
                await Task.WhenAll(manager.Runners().Select(r => r.ResetFailedAsync()));
                await manager.Timers.ResetAllFailedAsync();
                await manager.Sockets.ResetFailedAsync(null);
                return Ok(JsonSerializer.Serialize(new JobResponse(true, null), ApiJson.Default.JobResponse));
            case ApiRouteKind.DaemonReload:
                Audit(req, route);
                var diags = await manager.ReloadAsync();
                return Ok(JsonSerializer.Serialize(new ReloadResponse(true, diags), ApiJson.Default.ReloadResponse));
            case ApiRouteKind.DaemonReexec:
            {
                // Over HTTP the answer could not be known to be written before the exec (live feeds hold connections open).
                if (req.RemoteAddress is not null)
                    return HttpRequest.Response(403, Error("daemon-reexec is taken on the control socket only: run corral daemon-reexec on the host"));
                Audit(req, route);
                if (Reexec is null) return HttpRequest.Response(503, Error("the daemon is not ready to re-execute yet"));
                var (ok, message) = await Reexec();
                return HttpRequest.Response(ok ? 200 : 409, JsonSerializer.Serialize(new JobResponse(ok, message), ApiJson.Default.JobResponse));
            }
            case ApiRouteKind.Jobs:
                return Ok(JsonSerializer.Serialize(new JobList([.. jobs.Jobs]), ApiJson.Default.JobList));
            case ApiRouteKind.DefaultTarget:
                return Ok(JsonSerializer.Serialize(new DefaultTarget(manager.Resolve(UnitCatalog.Default)), ApiJson.Default.DefaultTarget));
            case ApiRouteKind.SetDefault:
                Audit(req, route);
                return await SetDefault(route.Unit!);
            case ApiRouteKind.UnitDependencies:
            {
                if (!manager.Knows(route.Unit!)) return UnitNotFound(route);
                var tree = Jobs.DependencyTree.Build(manager.Graph(), manager.Resolve(route.Unit!), req.Query.ContainsKey("reverse"), req.Query.ContainsKey("all"),
                    u => manager.Status(u, withProcesses: false)?.ActiveState ?? "inactive");
                return Ok(JsonSerializer.Serialize(tree, ApiJson.Default.DependencyNode));
            }
            case ApiRouteKind.Unit:
            {
                var status = manager.Status(route.Unit!, withProcesses: req.Query.ContainsKey("processes"));
                return status is null ? UnitNotFound(route) : Ok(JsonSerializer.Serialize(status, ApiJson.Default.UnitStatus));
            }
            case ApiRouteKind.UnitLogs:
                if (!manager.Knows(route.Unit!)) return UnitNotFound(route);
                return Ok(JsonSerializer.Serialize(Logs(UnitNames.Normalize(route.Unit!), req), ApiJson.Default.LogList));
            case ApiRouteKind.UnitHistory:
                if (!manager.Knows(route.Unit!)) return UnitNotFound(route);
                if (History is null)
                    return HttpRequest.Response(404, Error("no usage history: it is kept while the HTTP endpoint is on (corral daemon --http ADDRESS:PORT)"));
                return Ok(JsonSerializer.Serialize(History.Of(UnitNames.Normalize(route.Unit!)), ApiJson.Default.UsageHistoryList));
            case ApiRouteKind.UnitProperties:
            {
                var status = manager.Status(route.Unit!, withProcesses: false);
                if (status is null) return UnitNotFound(route);
                var wanted = req.Query.GetValueOrDefault("p", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
                return req.Query.ContainsKey("json")
                    ? Ok(JsonSerializer.Serialize(UnitProperties.Dictionary(status, wanted), ApiJson.Default.DictionaryStringString))
                    : HttpRequest.Response(200, UnitProperties.Render(status, wanted, req.Query.ContainsKey("value")), "text/plain; charset=utf-8");
            }
            case ApiRouteKind.Security:
                return Ok(JsonSerializer.Serialize(new SecurityOverview([.. manager.LoadedServices().Select(SecurityReports.Row)]), ApiJson.Default.SecurityOverview));
            case ApiRouteKind.UnitSecurity:
            {
                var (load, error) = manager.LoadOf(route.Unit!);
                if (error is not null || load is null) return HttpRequest.Response(404, Error(error ?? $"unit {route.Unit} not found"));
                if (load.Target is not null) return HttpRequest.Response(404, Error($"{load.Name} is a target: it runs no process to assess"));
                if (load.Unit is not { } unit) return HttpRequest.Response(409, Error(Manager.LoadFailed(load)));
                return Ok(JsonSerializer.Serialize(SecurityReports.Of(unit, manager.Cgroups), ApiJson.Default.SecurityReport));
            }
            default:
                return await UnitAction(req, route);
        }
    }

    private async Task<byte[]> UnitAction(HttpRequest req, ApiRoute route)
    {
        // Jobs of the engine: they take targets and units that are missing (a stop of a unit gone), and say why not themselves.
        switch (route.Verb)
        {
            case "start" or "stop" or "restart" or "isolate":
            {
                // The unit asked for must exist (or be an instance a template makes, or run still): otherwise 404, as before any job.
                if (!manager.TryGetRunner(route.Unit!, out _))
                {
                    var (load, why) = manager.LoadOf(route.Unit!);
                    if (why is not null) return HttpRequest.Response(404, Error(why));
                    if (load is { Loaded: false }) return HttpRequest.Response(404, Error(Manager.LoadFailed(load)));
                }
                Audit(req, route);
                string unit = route.Unit!;
                JobResult job = route.Verb switch
                {
                    "start" => await jobs.StartAsync(unit, req.CallerUid),
                    "stop" => await jobs.StopAsync(unit, Timeout(req), req.Query.ContainsKey("no-block"), req.VerbFor("stop"), req.CallerUid),
                    "restart" => await jobs.RestartAsync(unit, Timeout(req), req.CallerUid, req.VerbFor("restart")),
                    _ => await jobs.IsolateAsync(unit, req.CallerUid),
                };
                return JobAnswer(job);
            }
            case "enable" or "disable" or "reenable":
                Audit(req, route);
                return await Enable(route.Verb!, route.Unit!);
        }
        string resolved = manager.Resolve(route.Unit!);
        if ((UnitNames.IsTimer(resolved) || UnitNames.IsTarget(resolved) || UnitNames.IsSocket(resolved)) && manager.LoadOf(resolved).Load is { Loaded: true })
        {
            if (route.Verb != "reset-failed")
                return HttpRequest.Response(409, Error($"{resolved} is a {resolved[(resolved.LastIndexOf('.') + 1)..]}: it has no processes to {route.Verb}"));
            Audit(req, route);
            if (UnitNames.IsTimer(resolved)) await manager.Timers.ResetFailedAsync(resolved);
            if (UnitNames.IsSocket(resolved)) await manager.Sockets.ResetFailedAsync(resolved);
            return JobAnswer(JobResult.Done);
        }
        if (!manager.TryGetOrMakeRunner(route.Unit!, out var runner, out var error))
            return HttpRequest.Response(404, Error(error!));
        Audit(req, route);
        JobResult result = route.Verb switch
        {
            "reload" => await runner.ReloadAsync(),
            "kill" => await Kill(runner, req),
            "freeze" => await runner.FreezeAsync(),
            "thaw" => await runner.ThawAsync(),
            _ => await runner.ResetFailedAsync(),
        };
        return JobAnswer(result);
    }

    private static byte[] JobAnswer(JobResult result, List<string>? changes = null)
    {
        var body = JsonSerializer.Serialize(new JobResponse(result.Ok, result.Error, [.. result.LeftOver], result.Signalled, [.. result.Escaped])
            { Warnings = [.. result.Warnings], Changes = changes }, ApiJson.Default.JobResponse);
        return HttpRequest.Response(result.Ok ? 200 : 409, body);
    }

    /// <summary>
    /// enable, disable, reenable: the links of the unit's [Install] (and of the units its Also= names)
    /// in Corral's own directory, then a reload so that they count at once.
    /// </summary>
    private async Task<byte[]> Enable(string verb, string name)
    {
        // The name becomes a path under the links' directory: one that cannot be a unit's is refused before any file is touched.
        if (UnitNames.Invalid(UnitNames.Normalize(name)) is { } invalid) return HttpRequest.Response(404, Error($"not a unit name: {invalid}"));
        var changes = new List<string>();
        var warnings = new List<string>();
        var todo = new Queue<string>([UnitNames.Normalize(name)]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (todo.TryDequeue(out var unit))
            {
                if (!seen.Add(unit)) continue;
                var (load, error) = manager.LoadOf(unit);
                // A template is enabled as its DefaultInstance=, as systemctl does.
                if (load is not null && UnitNames.IsTemplate(unit) && load.Install.DefaultInstance is { } instance)
                {
                    unit = unit.Replace("@.", $"@{instance}.", StringComparison.Ordinal);
                    (load, error) = manager.LoadOf(unit);
                }
                if (verb == "disable")
                {
                    changes.AddRange(Jobs.Enablement.Disable(manager.EnabledDir, unit, load is { HasErrors: false } ? load : null));
                    foreach (var also in load?.Install.Also ?? []) todo.Enqueue(also);
                    continue;
                }
                if (error is not null || load is null || load.HasErrors)
                    return HttpRequest.Response(error is not null ? 404 : 409, Error($"Failed to enable unit: {error ?? Manager.LoadFailed(load!)}"));
                if (verb == "reenable") changes.AddRange(Jobs.Enablement.Disable(manager.EnabledDir, unit, load));
                if (load.Install.IsEmpty)
                    warnings.Add($"The unit files have no installation config (WantedBy=, RequiredBy=, UpheldBy=, Also=, or Alias= settings in the [Install] section). {unit} is not meant to be enabled; it starts when another unit pulls it in, or by hand.");
                changes.AddRange(Jobs.Enablement.Enable(manager.EnabledDir, unit, load));
                foreach (var also in load.Install.Also) todo.Enqueue(also);
            }
        }
        catch (InvalidOperationException e)
        {
            return HttpRequest.Response(409, Error(e.Message));
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            return HttpRequest.Response(409, Error($"Failed to {verb} unit {name}: {e.Message}"));
        }
        await manager.ReloadAsync();
        return JobAnswer(JobResult.Done with { Warnings = warnings }, changes);
    }

    private async Task<byte[]> SetDefault(string name)
    {
        string target = UnitNames.Normalize(name);
        if (!UnitNames.IsTarget(target)) return HttpRequest.Response(409, Error($"set-default: {target} is not a target"));
        if (target == UnitCatalog.Default) return HttpRequest.Response(409, Error("set-default: name the target default.target should be, not default.target itself"));
        var (load, error) = manager.LoadOf(target);
        if (load?.Target is null) return HttpRequest.Response(404, Error($"Unit {target} {error ?? manager.LoadError(target) ?? "not found"}."));
        List<string> changes;
        try { changes = Jobs.Enablement.SetDefault(manager.EnabledDir, target, load); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return HttpRequest.Response(409, Error($"set-default: {e.Message}")); }
        await manager.ReloadAsync();
        return JobAnswer(JobResult.Done, changes);
    }

    /// <summary>An action over HTTP leaves a notice naming where it came from: the audit trail of the token's use.</summary>
    private void Audit(HttpRequest req, ApiRoute route)
    {
        if (req.RemoteAddress is null) return;
        string what = route.Unit is null ? route.Describe() : $"{route.Describe()} of {UnitNames.Normalize(route.Unit)}";
        store.Add(new Notices.Notice(Notices.NoticeKinds.HttpAction, route.Unit is null ? null : UnitNames.Normalize(route.Unit),
            $"{what} asked over HTTP from {req.RemoteAddress} with the token"));
    }

    private byte[] UnitNotFound(ApiRoute route) => HttpRequest.Response(404, Error($"unit {UnitNames.Normalize(route.Unit!)} not found"));

    /// <summary>
    /// ?unit=NAME &amp;role=main,control &amp;cause=exit,oom-kill &amp;hide-clean (no exit 0 of other processes)
    /// &amp;since-usec=N &amp;after=ID (oldest first from there) &amp;limit=N
    /// </summary>
    private DeathList Deaths(HttpRequest req)
    {
        var (unit, since, after, limit) = Page(req);
        var causes = req.Query.GetValueOrDefault("cause", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        foreach (var c in causes)
            if (!Core.Deaths.DeathCauseNames.All.Contains(c))
                throw new FormatException($"cause '{c}' is not one of {string.Join(", ", Core.Deaths.DeathCauseNames.All)}");
        return new DeathList(store.Query(unit, Roles(req), since, after, limit, causes, req.Query.ContainsKey("hide-clean")).Select(DeathView.From).ToList());
    }

    /// <summary>?role=main,control: the roles wanted (main, control, process); none is all.</summary>
    private static string[] Roles(HttpRequest req) => req.Query.GetValueOrDefault("role", "").Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The paging both event lists take: ?unit=NAME &amp;since-usec=N &amp;after=ID &amp;limit=N (default 100).</summary>
    private static (string? Unit, DateTimeOffset? Since, long? After, int Limit) Page(HttpRequest req) =>
        (req.Query.TryGetValue("unit", out var u) ? UnitNames.Normalize(u) : null,
         req.Query.TryGetValue("since-usec", out var s) ? Core.Text.Microseconds.Time(Number(s, "since-usec")) : null,
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
            ? long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out long us) ? Core.Text.Microseconds.Span(us)
                : throw new FormatException($"timeout-usec '{v}' is not a number of microseconds")
            : null;

    private static Task<JobResult> Kill(ServiceRunner runner, HttpRequest req)
    {
        string sigText = req.Query.GetValueOrDefault("signal", "SIGTERM");
        if (!SignalNames.TryParse(sigText, out int sig))
            throw new FormatException($"'{sigText}' is not a signal");
        string whomText = req.Query.GetValueOrDefault("whom", "all");
        if (!KillModeNames.TryParseWhom(whomText, out var whom))
            throw new FormatException($"kill-whom '{whomText}' is not one of main, control, all");
        return runner.KillAsync(whom, sig, req.CallerUid, req.VerbFor("kill"));
    }
}
