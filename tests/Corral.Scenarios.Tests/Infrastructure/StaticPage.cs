using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>
/// A page of another site, for a browser to open: any GET on a free loopback port answers the
/// same HTML (and counts the request). Another port is another origin, so a form or a script of
/// this page that reaches the daemon is a cross-origin request. Dispose stops it.
/// </summary>
public sealed class StaticPage : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly byte[] _response;
    private readonly CancellationTokenSource _stop = new();

    public StaticPage(string html)
    {
        var body = Encoding.UTF8.GetBytes(html);
        _response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), .. body];
        _listener.Start();
        _ = Task.Run(Serve);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket conn;
            try { conn = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (conn)
                {
                    var buf = new byte[16384];
                    try
                    {
                        await conn.ReceiveAsync(buf, SocketFlags.None);
                        await conn.SendAsync(_response, SocketFlags.None);
                    }
                    catch (SocketException) { }
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
