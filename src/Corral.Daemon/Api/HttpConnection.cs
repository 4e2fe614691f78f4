using System.Net.Sockets;
using System.Text;

namespace Corral.Daemon.Api;

/// <summary>
/// Reading one request from a connected socket and answering it: shared by the Unix socket
/// (ControlServer) and the TCP endpoint (Web.HttpEndpoint). One request per connection.
/// </summary>
public static class HttpConnection
{
    /// <summary>Accepts connections until cancelled, serving each on the thread pool.</summary>
    public static async Task AcceptLoop(Socket listener, Func<Socket, Task> serve, CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            Socket conn;
            try { conn = await listener.AcceptAsync(cancel); }
            catch (Exception) when (cancel.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            _ = Task.Run(() => serve(conn));
        }
    }

    /// <summary>The request, or null when the head was too long or the peer closed early. Throws FormatException for a malformed head.</summary>
    public static async Task<HttpRequest?> ReadRequest(Socket conn, CancellationToken cancel = default)
    {
        var buf = new byte[HttpRequest.MaxHeaderBytes];
        int filled = 0;
        int headEnd;
        while ((headEnd = buf.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (filled == buf.Length) return null;
            int n = await conn.ReceiveAsync(buf.AsMemory(filled), SocketFlags.None, cancel);
            if (n == 0) return null;
            filled += n;
        }
        string head = Encoding.ASCII.GetString(buf, 0, headEnd);
        var (method, target, length, headers) = HttpRequest.ParseHead(head);
        var body = new byte[length];
        int have = Math.Min(length, filled - (headEnd + 4));
        Array.Copy(buf, headEnd + 4, body, 0, have);
        while (have < length)
        {
            int n = await conn.ReceiveAsync(body.AsMemory(have), SocketFlags.None, cancel);
            if (n == 0) return null;
            have += n;
        }
        return HttpRequest.Create(method, target, Encoding.UTF8.GetString(body)) with { Headers = headers };
    }

    /// <summary>Sends the answer; after a request that was not read whole, reads on (a little) so that closing does not reset the connection and lose the answer.</summary>
    public static async Task Answer(Socket conn, byte[] response, bool readWhole)
    {
        try
        {
            await conn.SendAsync(response);
            if (!readWhole) await DrainAsync(conn);
        }
        catch (SocketException) { } // the client went away
        catch (ObjectDisposedException) { }
    }

    private static async Task DrainAsync(Socket conn)
    {
        conn.Shutdown(SocketShutdown.Send);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var buf = new byte[16 * 1024];
        try
        {
            for (int total = 0; total < 1 << 20;)
            {
                int n = await conn.ReceiveAsync(buf, SocketFlags.None, limit.Token);
                if (n == 0) return;
                total += n;
            }
        }
        catch (OperationCanceledException) { }
    }
}
