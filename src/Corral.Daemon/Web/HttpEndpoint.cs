using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Corral.Daemon.Api;
using Corral.Daemon.Wire;
using Corral.Daemon.Http;

namespace Corral.Daemon.Web;

/// <summary>
/// The HTTP endpoint (--http ADDRESS:PORT), off by default: the page at /, its assets, /metrics,
/// the live feed at /v1/stream and the same /v1 API as the socket. Every request must name this
/// endpoint in its Host header (RequestOrigin); every GET and HEAD is then open; anything else needs
/// the token (HttpToken) and, from a browser, this endpoint's own Origin — whatever its path, and
/// before the path is looked at. One request per connection, as on the socket.
/// </summary>
internal sealed class HttpEndpoint(IPEndPoint address, IReadOnlyList<string>? hostNames = null) : IDisposable
{
    private const string Headers = "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n";
    private const string PageHeaders = Headers + "Content-Security-Policy: default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'\r\n";

    private Socket? _listener;
    private readonly CancellationTokenSource _cts = new();
    private ApiRoutes routes = null!;
    private HttpToken token = HttpToken.None;
    private MetricsWriter metrics = null!;
    private LiveFeed feed = null!;
    private RequestOrigin origin = null!;

    /// <summary>at most ConnectionLimiter.DefaultMaxOpen connections open at once, the live pages among them; 10 s to send a request, 10 s for each write.</summary>
    public ConnectionLimiter Connections { get; } = new("HTTP", ConnectionLimiter.DefaultMaxOpen);

    /// <summary>The address actually bound (the port is chosen by the kernel when 0 was given).</summary>
    public IPEndPoint Bound => (IPEndPoint)_listener!.LocalEndPoint!;

    /// <summary>
    /// Binds and listens, first thing at start-up: a taken port fails before any service starts.
    /// SO_REUSEADDR only, so that a daemon restarted at once can bind past its old connections in
    /// TIME_WAIT; never SO_REUSEPORT (what .NET's ReuseAddress sets on Linux), with which a second
    /// daemon would silently share the port.
    /// </summary>
    /// <summary>The listening socket the previous program image of this daemon handed over (daemon-reexec), if it is still bound where --http says.</summary>
    public bool Continue(int inherited)
    {
        var socket = new Socket(new SafeSocketHandle(inherited, ownsHandle: true));
        if (socket.LocalEndPoint is not IPEndPoint bound || !bound.Address.Equals(address.Address) || (address.Port != 0 && bound.Port != address.Port))
        {
            socket.Dispose(); // --http changed: bound afresh
            return false;
        }
        _listener = socket;
        origin = new RequestOrigin(Bound, hostNames ?? []);
        return true;
    }

    /// <summary>The listening socket (to hand over to the next program image).</summary>
    public int ListenerFd => (int)_listener!.Handle;

    public void Listen()
    {
        _listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        const int SolSocket = 1, SoReuseaddr = 2;
        _listener.SetRawSocketOption(SolSocket, SoReuseaddr, BitConverter.GetBytes(1));
        try
        {
            _listener.Bind(address);
            _listener.Listen(128);
        }
        catch (SocketException e)
        {
            _listener.Dispose();
            throw new ArgumentException($"--http {Format(address)}: cannot listen there: {e.Message}");
        }
        origin = new RequestOrigin(Bound, hostNames ?? []);
    }

    /// <summary>Starts answering; connections made since Listen wait in the backlog until then.</summary>
    public void Start(ApiRoutes apiRoutes, HttpToken httpToken, MetricsWriter metricsWriter, LiveFeed liveFeed)
    {
        (routes, token, metrics, feed) = (apiRoutes, httpToken, metricsWriter, liveFeed);
        Connections.Start(_listener!, Serve, _cts.Token);
    }

    public static string Format(IPEndPoint e) => e.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{e.Address}]:{e.Port}" : $"{e.Address}:{e.Port}";

    private Task Serve(HttpConnection conn) => conn.Serve(async request =>
    {
        request = request with { RemoteAddress = (conn.Socket.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "?" };
        if (request.Method == "GET" && request.Path == "/v1/stream" && origin.CheckHost(request.Headers) is null)
        {
            await feed.Serve(conn);
            return null;
        }
        return await Handle(request);
    }, routes.Error);

    private async Task<byte[]> Handle(HttpRequest req)
    {
        if (origin.CheckHost(req.Headers) is { } wrongHost)
            return Refuse(403, wrongHost);
        if (req.Method is "GET" or "HEAD")
        {
            if (req.Path == "/metrics")
                return HttpRequest.Response(200, Encoding.UTF8.GetBytes(metrics.Write()), PrometheusText.ContentType, Headers);
            if (req.Path == "/v1/access")
                return HttpRequest.Response(200, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(token.Answer(req.Headers), ApiJson.Default.AccessAnswer)), "application/json", Headers);
            if (WebAssets.Find(req.Path) is { } asset)
                return HttpRequest.Response(200, asset.Content, asset.ContentType, asset.IsPage ? PageHeaders : Headers);
            if (req.Segments is not ["v1", ..])
                return HttpRequest.Response(404, routes.Error($"no such page {req.Path}; the page is at /, the metrics at /metrics"));
        }
        else
        {
            // Whatever the path: an action needs the endpoint's own origin and the token before anything is routed.
            if (origin.CheckOrigin(req.Headers) is { } crossOrigin)
                return Refuse(403, crossOrigin);
            if (token.Check(req.Headers) is { } refusal)
                return Refuse(refusal.Status, refusal.Message);
        }
        var route = ApiRoutes.RouteOf(req);
        if (route is { ReadsMachine: true } && token.Check(req.Headers) is { } needsToken)
            return Refuse(needsToken.Status, needsToken.Message);
        return route is not null ? await routes.Handle(req, route) : routes.NotFound(req);
    }

    private long _refused;

    /// <summary>Live pages dropped to make room for new ones since the daemon started.</summary>
    public long LiveFeedEvictions => feed?.Evicted ?? 0;

    /// <summary>Requests refused for their Host, Origin or token since the daemon started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    private byte[] Refuse(int status, string message)
    {
        Interlocked.Increment(ref _refused);
        return HttpRequest.Response(status, Encoding.UTF8.GetBytes(routes.Error(message)), "application/json",
            status == 401 ? Headers + "WWW-Authenticate: Bearer realm=\"corral\"\r\n" : Headers);
    }

    public void Dispose()
    {
        _cts.Cancel();
        _listener?.Dispose();
    }
}
