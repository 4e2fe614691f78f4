using System.Net.Sockets;
using System.Text;

namespace Corral.Daemon.Api;

/// <summary>
/// The control API: HTTP/1.1 on a Unix socket, one request per connection. The socket file is
/// mode 0660, owned by root and the socket group (--socket-group), and appears only once it listens.
/// Every request is checked against the caller's credentials (Access).
/// </summary>
public sealed class ControlServer(string socketPath, ApiRoutes routes, Access access) : IDisposable
{
    private Socket? _listener;
    private readonly CancellationTokenSource _cts = new();

    public void Start()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        // Bound and listening under a temporary name, then renamed into place: the socket path only
        // appears once connections are accepted (a client would otherwise be refused between bind
        // and listen). Renaming over a stale socket left by a killed daemon replaces it.
        string temporary = $"{socketPath}.{Environment.ProcessId}.tmp";
        if (File.Exists(temporary)) File.Delete(temporary);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(temporary));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        Linux.FileOwner.Set(temporary, -1, access.SocketGid);
        _listener.Listen(256);
        File.Move(temporary, socketPath, overwrite: true);
        _ = AcceptLoop();
    }

    private async Task AcceptLoop()
    {
        while (!_cts.IsCancellationRequested)
        {
            Socket conn;
            try { conn = await _listener!.AcceptAsync(_cts.Token); }
            catch (Exception) when (_cts.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            _ = Task.Run(() => Serve(conn));
        }
    }

    private async Task Serve(Socket conn)
    {
        using var _ = conn;
        byte[] response;
        bool readWhole = false;
        try
        {
            var caller = PeerOf(conn);
            var request = await ReadRequest(conn);
            readWhole = request is not null;
            if (request is null)
                response = HttpRequest.Response(400, routes.Error("malformed request: headers too long or connection closed early"));
            else if (access.Check(caller, request.Method, request.Path) is { } refusal)
                response = HttpRequest.Response(403, routes.Error(refusal));
            else
                response = await routes.Handle(request with { CallerUid = caller!.Uid });
        }
        catch (FormatException e)
        {
            response = HttpRequest.Response(400, routes.Error($"malformed request: {e.Message}"));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"corral: request failed: {e}");
            response = HttpRequest.Response(500, routes.Error($"internal error: {e.Message}"));
        }
        try
        {
            await conn.SendAsync(response);
            // Closing with unread input would reset the connection and the client might lose the
            // answer: after a request that was not read whole, read on (a little) until it is done.
            if (!readWhole) await DrainAsync(conn);
        }
        catch (SocketException) { } // the client went away
    }

    private static async Task<HttpRequest?> ReadRequest(Socket conn)
    {
        var buf = new byte[HttpRequest.MaxHeaderBytes];
        int filled = 0;
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(buf, filled)) < 0)
        {
            if (filled == buf.Length) return null;
            int n = await conn.ReceiveAsync(buf.AsMemory(filled));
            if (n == 0) return null;
            filled += n;
        }
        string head = Encoding.ASCII.GetString(buf, 0, headEnd);
        var (method, target, length) = HttpRequest.ParseHead(head);
        var body = new byte[length];
        int have = Math.Min(length, filled - (headEnd + 4));
        Array.Copy(buf, headEnd + 4, body, 0, have);
        while (have < length)
        {
            int n = await conn.ReceiveAsync(body.AsMemory(have));
            if (n == 0) return null;
            have += n;
        }
        return HttpRequest.Create(method, target, Encoding.UTF8.GetString(body));
    }

    /// <summary>The connecting process, from the kernel (SO_PEERCRED: struct ucred { pid, uid, gid }).</summary>
    private static Caller? PeerOf(Socket conn)
    {
        const int SolSocket = 1, SoPeercred = 17;
        var cred = new byte[12];
        try
        {
            return conn.GetRawSocketOption(SolSocket, SoPeercred, cred) == 12
                ? new Caller(BitConverter.ToInt32(cred, 0), BitConverter.ToInt32(cred, 4), BitConverter.ToInt32(cred, 8))
                : null;
        }
        catch (SocketException)
        {
            return null;
        }
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

    private static int IndexOfHeadEnd(byte[] buf, int filled) =>
        buf.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);

    public void Dispose()
    {
        _cts.Cancel();
        _listener?.Dispose();
        try { File.Delete(socketPath); } catch (IOException) { }
    }
}
