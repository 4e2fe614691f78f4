namespace Corral.Daemon.Api;

/// <summary>What a request to /v1 asks for, once its path is normalised (see HttpRequest.Segments).</summary>
internal enum ApiRouteKind
{
    Units, Deaths, LatestDeaths, Notices, Unit, UnitLogs, UnitHistory, UnitProperties,
    ResetFailedAll, DaemonReload, DaemonReexec, UnitAction, OomCandidates,
    Jobs, UnitDependencies, DefaultTarget, SetDefault, Security, UnitSecurity,
}

/// <summary>
/// One request of the API as the router will act on it. Who may send it is decided on this value
/// (<see cref="IsAction"/>), never on the path's spelling: <c>//v1/units/web/stop</c>,
/// <c>/v1/units/web/stop/</c> and <c>/%761/units/web/stop</c> are the same route, and whatever
/// does not parse to a route is 404 before any check or handler runs.
/// </summary>
internal sealed record ApiRoute(ApiRouteKind Kind, string? Unit = null, string? Verb = null)
{
    /// <summary>The verbs of POST /v1/units/NAME/VERB.</summary>
    public static readonly IReadOnlySet<string> UnitVerbs = new HashSet<string>(StringComparer.Ordinal)
        { "start", "stop", "restart", "reload", "kill", "reset-failed", "freeze", "thaw", "isolate", "enable", "disable", "reenable" };

    /// <summary>True for everything that changes something: it needs root on the socket and the token over HTTP.</summary>
    public bool IsAction => Kind is ApiRouteKind.UnitAction or ApiRouteKind.ResetFailedAll or ApiRouteKind.DaemonReload or ApiRouteKind.DaemonReexec or ApiRouteKind.SetDefault;

    /// <summary>
    /// A read of the whole machine, beyond Corral's own units (every process's command line, in
    /// ps --machine): over HTTP it needs the token, as an action does, since command lines may carry
    /// secrets of services that are not Corral's; on the socket, readers may ask, as they may run ps.
    /// </summary>
    public bool ReadsMachine => Kind is ApiRouteKind.OomCandidates;

    /// <summary>The action in words, for refusals and records: "stop", "daemon-reload".</summary>
    public string Describe() => Kind switch
    {
        ApiRouteKind.UnitAction => Verb!,
        ApiRouteKind.ResetFailedAll => "reset-failed",
        ApiRouteKind.DaemonReload => "daemon-reload",
        ApiRouteKind.DaemonReexec => "daemon-reexec",
        ApiRouteKind.SetDefault => "set-default",
        _ => "read",
    };

    /// <summary>
    /// The route of a method and normalised path segments; null when there is none. GET routes also
    /// answer HEAD. Methods are case-sensitive, as HTTP says.
    /// </summary>
    public static ApiRoute? Match(string method, IReadOnlyList<string>? segments)
    {
        if (segments is null || segments.Count < 2 || segments[0] != "v1") return null;
        bool read = method is "GET" or "HEAD", post = method == "POST";
        return segments switch
        {
            [_, "units"] when read => new(ApiRouteKind.Units),
            [_, "deaths"] when read => new(ApiRouteKind.Deaths),
            [_, "deaths", "latest"] when read => new(ApiRouteKind.LatestDeaths),
            [_, "notices"] when read => new(ApiRouteKind.Notices),
            [_, "oom-candidates"] when read => new(ApiRouteKind.OomCandidates),
            [_, "reset-failed"] when post => new(ApiRouteKind.ResetFailedAll),
            [_, "daemon-reload"] when post => new(ApiRouteKind.DaemonReload),
            [_, "daemon-reexec"] when post => new(ApiRouteKind.DaemonReexec),
            [_, "jobs"] when read => new(ApiRouteKind.Jobs),
            [_, "default-target"] when read => new(ApiRouteKind.DefaultTarget),
            [_, "default-target", var name] when post => new(ApiRouteKind.SetDefault, name),
            [_, "units", var name, "dependencies"] when read => new(ApiRouteKind.UnitDependencies, name),
            [_, "units", var name] when read => new(ApiRouteKind.Unit, name),
            [_, "units", var name, "logs"] when read => new(ApiRouteKind.UnitLogs, name),
            [_, "units", var name, "history"] when read => new(ApiRouteKind.UnitHistory, name),
            [_, "units", var name, "properties"] when read => new(ApiRouteKind.UnitProperties, name),
            [_, "units", var name, "security"] when read => new(ApiRouteKind.UnitSecurity, name),
            [_, "security"] when read => new(ApiRouteKind.Security),
            [_, "units", var name, var verb] when post && UnitVerbs.Contains(verb) => new(ApiRouteKind.UnitAction, name, verb),
            _ => null,
        };
    }
}
