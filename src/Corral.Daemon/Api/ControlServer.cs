using System.Net.Sockets;

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
        _ = HttpConnection.AcceptLoop(_listener!, Serve, _cts.Token);
    }

    private async Task Serve(Socket conn)
    {
        using var _ = conn;
        byte[] response;
        bool readWhole = false;
        try
        {
            var caller = PeerOf(conn);
            var request = await HttpConnection.ReadRequest(conn);
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
        await HttpConnection.Answer(conn, response, readWhole);
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

    public void Dispose()
    {
        _cts.Cancel();
        _listener?.Dispose();
        try { File.Delete(socketPath); } catch (IOException) { }
    }
}
