using System.Globalization;
using System.Net;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>A daemon's /metrics as the tests read it: scraped (and checked by promtool), then split into samples or families.</summary>
public static class MetricsText
{
    public static string Scrape(WebEndpoint web)
    {
        var (status, body, resp) = web.Get("/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", resp.Content.Headers.ContentType!.ToString());
        var check = Corral.Tests.Shared.Promtool.CheckMetrics(body);
        Assert.True(check.ExitCode == 0, $"promtool check metrics failed ({check.ExitCode}): {check.Output}\n{body}");
        return body;
    }

    /// <summary>"name{labels}" → value, for every sample line.</summary>
    public static Dictionary<string, double> Samples(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => (Key: l[..l.LastIndexOf(' ')], Value: l[(l.LastIndexOf(' ') + 1)..]))
            .ToDictionary(x => x.Key, x => double.Parse(x.Value, CultureInfo.InvariantCulture));

    public static HashSet<string> Families(string text) =>
        text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet();
}
