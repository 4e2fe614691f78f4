using System.Text;

namespace Corral.Daemon.Http;

/// <summary>The small part of HTTP/1.1 the control API needs: a request line, headers, a sized body.</summary>
internal sealed record HttpRequest(string Method, string Path, IReadOnlyDictionary<string, string> Query, string Body)
{
    /// <summary>The caller's uid from SO_PEERCRED; null when it could not be read, and over HTTP.</summary>
    public int? CallerUid { get; init; }

    /// <summary>Request headers, names lower-cased.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The peer's address for a request that came over the HTTP endpoint (--http); null on the Unix socket.</summary>
    public string? RemoteAddress { get; init; }

    /// <summary>
    /// The path's segments, each percent-decoded on its own, empty ones dropped: what routing and
    /// authorization look at. Null when a segment is "." or "..", or decodes to one holding '/' or a
    /// control character: such a path names no route (404).
    /// </summary>
    public IReadOnlyList<string>? Segments { get; init; }

    /// <summary>How a job asked for by this request is named in death records and notices: "stop", or "stop over HTTP from 10.0.0.5".</summary>
    public string VerbFor(string verb) => RemoteAddress is null ? verb : $"{verb} over HTTP from {RemoteAddress}";

    public const int MaxHeaderBytes = 16 * 1024;

    /// <summary>Parses the head (up to the blank line); throws FormatException with a message for the client.</summary>
    public static (string Method, string Target, int ContentLength, Dictionary<string, string> Headers) ParseHead(string head)
    {
        var lines = head.Split("\r\n");
        var first = lines[0].Split(' ');
        if (first.Length != 3 || !first[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new FormatException($"malformed request line '{lines[0]}'");
        int length = 0;
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon <= 0) continue;
            string name = line[..colon].Trim().ToLowerInvariant();
            string value = line[(colon + 1)..].Trim();
            headers[name] = value;
            if (name == "content-length" && (!int.TryParse(value, out length) || length < 0 || length > 1 << 20))
                throw new FormatException("invalid Content-Length");
        }
        return (first[0], first[1], length, headers);
    }

    public static HttpRequest Create(string method, string target, string body)
    {
        int q = target.IndexOf('?');
        var segments = Normalize(q < 0 ? target : target[..q]);
        string path = segments is null ? Uri.UnescapeDataString(q < 0 ? target : target[..q]) : "/" + string.Join('/', segments);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        if (q >= 0)
        {
            foreach (var pair in target[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                int eq = pair.IndexOf('=');
                string k = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
                query[k] = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }
        return new HttpRequest(method, path, query, body) { Segments = segments };
    }

    /// <summary>The segments of a raw path (see <see cref="Segments"/>), or null when it cannot name anything.</summary>
    public static List<string>? Normalize(string rawPath)
    {
        var segments = new List<string>();
        foreach (var raw in rawPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            string s = Uri.UnescapeDataString(raw);
            if (s is "." or ".." || s.Any(c => c == '/' || char.IsControl(c))) return null;
            segments.Add(s);
        }
        return segments;
    }

    public static byte[] Response(int status, string json) => Response(status, json, "application/json");

    public static byte[] Response(int status, string body, string contentType)
        => Response(status, Encoding.UTF8.GetBytes(body), contentType);

    public static byte[] Response(int status, byte[] body, string contentType, string? extraHeaders = null)
    {
        var head = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n{extraHeaders}Connection: close\r\n\r\n");
        return [.. head, .. body];
    }

    public static string Reason(int status) => status switch
    {
        200 => "OK", 400 => "Bad Request", 401 => "Unauthorized", 403 => "Forbidden", 404 => "Not Found",
        405 => "Method Not Allowed", 409 => "Conflict", 503 => "Service Unavailable", _ => "Internal Server Error",
    };
}
