using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Corral.Daemon.Api;

namespace Corral.Daemon.Web;

/// <summary>
/// The HTTP endpoint (--http ADDRESS:PORT), off by default: the page at /, its assets, /metrics,
/// the live feed at /v1/stream and the same /v1 API as the socket. Every GET is open; anything else
/// needs the token (HttpToken). One request per connection, as on the socket.
/// </summary>
public sealed class HttpEndpoint(IPEndPoint address) : IDisposable
{
    /// <summary>A client has this long to send its request head; slower ones are dropped.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private const string Headers = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    private const string PageHeaders = Headers + "Content-Security-Policy: default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'\r\n";

    private Socket? _listener;
    private readonly CancellationTokenSource _cts = new();
    private ApiRoutes routes = null!;
    private HttpToken token = HttpToken.None;
    private MetricsWriter metrics = null!;
    private LiveFeed feed = null!;

    /// <summary>The address actually bound (the port is chosen by the kernel when 0 was given).</summary>
    public IPEndPoint Bound => (IPEndPoint)_listener!.LocalEndPoint!;

    /// <summary>Binds and listens, first thing at start-up: a taken port fails before any service starts.</summary>
    public void Listen()
    {
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        try
        {
            _listener.Bind(address);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new ArgumentException($"--http {Format(address)}: cannot listen there: {e.Message}");
        }
        _listener.Listen(128);
    }

    /// <summary>Starts answering; connections made since Listen wait in the backlog until then.</summary>
    public void Start(ApiRoutes apiRoutes, HttpToken httpToken, MetricsWriter metricsWriter, LiveFeed liveFeed)
    {
        (routes, token, metrics, feed) = (apiRoutes, httpToken, metricsWriter, liveFeed);
        _ = HttpConnection.AcceptLoop(_listener!, Serve, _cts.Token);
    }

    public static string Format(IPEndPoint e) => e.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{e.Address}]:{e.Port}" : $"{e.Address}:{e.Port}";

    private async Task Serve(Socket conn)
    {
        bool handedOver = false;
        try
        {
            byte[] response;
            bool readWhole = false;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
                timeout.CancelAfter(RequestTimeout);
                var request = await HttpConnection.ReadRequest(conn, timeout.Token);
                readWhole = request is not null;
                if (request is null)
                    response = HttpRequest.Response(400, routes.Error("malformed request: headers too long or connection closed early"));
                else if (request.Method == "GET" && request.Path == "/v1/stream")
                {
                    handedOver = true;
                    await feed.Serve(conn);
                    return;
                }
                else
                    response = await Handle(request with { OverHttp = true });
            }
            catch (OperationCanceledException)
            {
                return; // too slow, or the daemon is stopping: close without an answer
            }
            catch (FormatException e)
            {
                response = HttpRequest.Response(400, routes.Error($"malformed request: {e.Message}"));
            }
            catch (Exception e) when (e is not SocketException)
            {
                Console.Error.WriteLine($"corral: HTTP request failed: {e}");
                response = HttpRequest.Response(500, routes.Error($"internal error: {e.Message}"));
            }
            await HttpConnection.Answer(conn, response, readWhole);
        }
        catch (SocketException) { }
        finally
        {
            if (!handedOver) conn.Dispose();
        }
    }

    private async Task<byte[]> Handle(HttpRequest req)
    {
        if (req.Method == "GET")
        {
            if (req.Path == "/metrics")
                return HttpRequest.Response(200, Encoding.UTF8.GetBytes(metrics.Write()), PrometheusText.ContentType, Headers);
            if (req.Path == "/v1/access")
                return HttpRequest.Response(200, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(token.Answer(req.Headers), ApiJson.Default.AccessAnswer)), "application/json", Headers);
            if (WebAssets.Find(req.Path) is { } asset)
                return HttpRequest.Response(200, asset.Content, asset.ContentType, asset.IsPage ? PageHeaders : Headers);
            if (!req.Path.StartsWith("/v1/", StringComparison.Ordinal))
                return HttpRequest.Response(404, routes.Error($"no such page {req.Path}; the page is at /, the metrics at /metrics"));
        }
        else if (req.Path.StartsWith("/v1/", StringComparison.Ordinal) && token.Check(req.Headers) is { } refusal)
        {
            return HttpRequest.Response(refusal.Status, Encoding.UTF8.GetBytes(routes.Error(refusal.Message)), "application/json",
                refusal.Status == 401 ? Headers + "WWW-Authenticate: Bearer realm=\"corral\"\r\n" : Headers);
        }
        return await routes.Handle(req);
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listener?.Dispose();
    }
}
