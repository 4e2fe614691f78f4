using Corral.Daemon.Api;
using Corral.Daemon.Http;

namespace Corral.Daemon.Tests;

/// <summary>The router alone: a request's target as a client spells it, and the route it acts on (who may send it is decided on that).</summary>
public sealed class RouteTests
{
    private static ApiRoute? Route(string method, string target) => ApiRoute.Match(method, HttpRequest.Create(method, target, "").Segments);

    [Theory]
    [InlineData("/v1/units/web/stop")]
    [InlineData("//v1/units/web/stop")]
    [InlineData("/v1//units/web/stop/")]
    [InlineData("///v1///units///web///stop///")]
    [InlineData("/%76%31/units/web/stop")]
    [InlineData("/v1/%75nits/web/%73top?no-block=1")]
    public void Every_spelling_of_a_stop_is_the_same_action(string target)
    {
        var r = Route("POST", target);
        Assert.Equal(new ApiRoute(ApiRouteKind.UnitAction, "web", "stop"), r);
        Assert.True(r!.IsAction);
        Assert.Equal("stop", r.Describe());
    }

    [Theory]
    [InlineData("POST", "/v1/units/web/explode")]
    [InlineData("POST", "/v1/units/../units/web/stop")]
    [InlineData("POST", "/v1/units/web%2Fstop")]
    [InlineData("POST", "/v1/units/web/./stop")]
    [InlineData("GET", "/v1/units/web/stop")]
    [InlineData("post", "/v1/units/web/stop")]
    [InlineData("DELETE", "/v1/units/web")]
    [InlineData("GET", "/v2/units")]
    [InlineData("POST", "/v1/units/web/security")]
    [InlineData("POST", "/v1/security")]
    [InlineData("GET", "/metrics")]
    public void A_target_that_names_no_route_is_none(string method, string target) => Assert.Null(Route(method, target));

    [Theory]
    [InlineData("GET", "/v1/units", "Units", false)]
    [InlineData("HEAD", "/v1/units/web.service", "Unit", false)]
    [InlineData("GET", "/v1/units/web/logs?n=5", "UnitLogs", false)]
    [InlineData("GET", "/v1/deaths/latest", "LatestDeaths", false)]
    [InlineData("GET", "/v1/oom-candidates", "OomCandidates", false)]
    [InlineData("GET", "/v1/units/redis-server/security", "UnitSecurity", false)]
    [InlineData("GET", "/v1/security", "Security", false)]
    [InlineData("POST", "/v1/daemon-reload", "DaemonReload", true)]
    [InlineData("POST", "/v1/daemon-reexec", "DaemonReexec", true)]
    [InlineData("POST", "/v1/reset-failed", "ResetFailedAll", true)]
    public void Reads_and_actions_are_told_apart_by_the_route(string method, string target, string kindName, bool action)
    {
        var kind = Enum.Parse<ApiRouteKind>(kindName);
        var r = Route(method, target);
        Assert.Equal(kind, r!.Kind);
        Assert.Equal(action, r.IsAction);
        Assert.Equal(kind == ApiRouteKind.OomCandidates, r.ReadsMachine);
    }
}
