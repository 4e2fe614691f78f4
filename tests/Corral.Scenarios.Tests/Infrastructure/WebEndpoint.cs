using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>A daemon's HTTP endpoint as a test reaches it: a free loopback port, a token file, a client.</summary>
public sealed class WebEndpoint : IDisposable
{
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(60) };

    public WebEndpoint(DaemonFixture f, bool withToken = true)
    {
        Port = FreePort();
        TokenFile = Path.Combine(f.Dir, "http.token");
        if (withToken)
        {
            File.WriteAllText(TokenFile, Token + "\n");
            File.SetUnixFileMode(TokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        Args = withToken ? ["--http", $"127.0.0.1:{Port}", "--http-token-file", TokenFile] : ["--http", $"127.0.0.1:{Port}"];
    }

    public int Port { get; }
    public string TokenFile { get; }
    public string Token { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();
    public string[] Args { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>A port the kernel just gave out and took back: free, unless someone takes it in the instant before the daemon binds it.</summary>
    /// <summary>A port no client of this machine is given meanwhile (Shared/FreePorts).</summary>
    public static int FreePort() => Corral.Tests.Shared.FreePorts.Take();

    public (HttpStatusCode Status, string Body, HttpResponseMessage Response) Get(string path, string? token = null) =>
        Send(HttpMethod.Get, path, token);

    public (HttpStatusCode Status, string Body, HttpResponseMessage Response) Post(string path, string? token = null) =>
        Send(HttpMethod.Post, path, token);

    private (HttpStatusCode, string, HttpResponseMessage) Send(HttpMethod method, string path, string? token)
    {
        using var req = new HttpRequestMessage(method, Url + path);
        if (token is not null) req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var resp = _client.Send(req);
        return (resp.StatusCode, resp.Content.ReadAsStringAsync().Result, resp);
    }

    /// <summary>Sends one request as written (method, path, headers all the test's) and returns the status and body; status 0 when closed without an answer.</summary>
    public (int Status, string Body) Raw(string request)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 30_000 };
        s.Connect(IPAddress.Loopback, Port);
        s.Send(System.Text.Encoding.ASCII.GetBytes(request));
        using var ms = new MemoryStream();
        var buf = new byte[65536];
        int n;
        try { while ((n = s.Receive(buf)) > 0) ms.Write(buf, 0, n); }
        catch (SocketException) { }
        string text = System.Text.Encoding.UTF8.GetString(ms.ToArray());
        if (!text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal)) return (0, text);
        return (int.Parse(text.AsSpan(9, 3)), text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    /// <summary>The value of one sample of /metrics ("name" or "name{labels}").</summary>
    public double Metric(string sample)
    {
        var (_, body, _) = Get("/metrics");
        foreach (var line in body.Split('\n'))
            if (line.StartsWith(sample + " ", StringComparison.Ordinal))
                return double.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"no sample {sample} in /metrics");
    }

    public void Dispose() => _client.Dispose();
}
