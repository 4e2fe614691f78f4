using System.Net;

namespace Corral.Daemon.Web;

/// <summary>
/// Where a request over HTTP says it is going and where it comes from, checked against the endpoint.
/// <para>Host: every request must name the endpoint as the browser reached it — the bound address
/// and port, <c>localhost:PORT</c> when bound to loopback, any IP literal with the port when bound to
/// every address, or a name given with <c>--http-host</c>. A page of another site that has its own
/// name resolve to this address (DNS rebinding) sends its own name, and is refused before it can
/// read logs, command lines or the live feed through a browser on this machine.</para>
/// <para>Origin: an action (anything but GET and HEAD) that carries an Origin header must come from
/// the endpoint's own origin; a form or script of another site is refused even before its token is
/// looked at. Clients that send no Origin (curl, scripts) are not browsers and are judged by their
/// token alone.</para>
/// </summary>
public sealed class RequestOrigin(IPEndPoint bound, IReadOnlyList<string> names)
{
    public IReadOnlyList<string> Names { get; } = names;

    /// <summary>Null when the Host header names this endpoint; otherwise the refusal.</summary>
    public string? CheckHost(IReadOnlyDictionary<string, string> headers)
    {
        if (!headers.TryGetValue("host", out var host) || host.Length == 0)
            return "the request has no Host header (HTTP/1.1 requires one)";
        if (IsOwnHost(host)) return null;
        return $"Host '{host}' is not this endpoint ({HttpEndpoint.Format(bound)}); requests that name another host are refused " +
               "(a page of another site could otherwise read this one through the browser). If it is a name of this machine, start the daemon with --http-host NAME";
    }

    /// <summary>Null when an action may come from there; otherwise the refusal.</summary>
    public string? CheckOrigin(IReadOnlyDictionary<string, string> headers)
    {
        if (headers.TryGetValue("sec-fetch-site", out var site) && site is not ("same-origin" or "none"))
            return $"cross-site request refused (Sec-Fetch-Site: {site}): actions are taken only from the endpoint's own page or a client that is not a browser";
        if (!headers.TryGetValue("origin", out var origin)) return null;
        string host = headers.GetValueOrDefault("host", "");
        if (string.Equals(origin, "http://" + host, StringComparison.OrdinalIgnoreCase)) return null;
        return $"cross-origin request refused (Origin: {origin}): actions are taken only from the endpoint's own page (http://{host}) or a client that is not a browser";
    }

    private bool IsOwnHost(string host)
    {
        var (name, port) = Split(host);
        if (name is null) return false;
        foreach (var n in Names)
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
        if ((port ?? 80) != bound.Port) return false;
        if (IPAddress.TryParse(name.Trim('[', ']'), out var ip))
            return ip.Equals(bound.Address) || IsWildcard(bound.Address);
        return string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase) && IPAddress.IsLoopback(bound.Address);
    }

    private static bool IsWildcard(IPAddress a) => a.Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any);

    /// <summary>"name:port", "[v6]:port", "name" → the name (brackets kept for v6) and the port; null name when malformed.</summary>
    private static (string? Name, int? Port) Split(string host)
    {
        int colon = host.LastIndexOf(':');
        int bracket = host.LastIndexOf(']');
        if (colon < 0 || colon < bracket) return (host, null);
        if (!int.TryParse(host.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
            return (null, null);
        return (host[..colon], port);
    }

    /// <summary>A --http-host value: a host name (letters, digits, dots, dashes), without port or scheme.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 253 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-') && !name.StartsWith('-') && !name.StartsWith('.');
}
