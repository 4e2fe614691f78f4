using System.Net.Sockets;
using Corral.Daemon.Http;

namespace Corral.Daemon.Api;

/// <summary>
/// The control API: HTTP/1.1 on a Unix socket, one request per connection. The socket file is
/// mode 0660, owned by root and the socket group (--socket-group), and appears only once it listens.
/// Every request is checked against the caller's credentials (Access).
/// </summary>
internal sealed class ControlServer(string socketPath, ApiRoutes routes, Access access) : IDisposable
{
    private Socket? _listener;
    private readonly CancellationTokenSource _cts = new();

    /// <summary>The socket's bound on connections: at most ConnectionLimiter.DefaultMaxOpen open at once, 10 s to send a request, 10 s for each write of the answer.</summary>
    public ConnectionLimiter Connections { get; } = new("socket", ConnectionLimiter.DefaultMaxOpen);

    /// <summary>The listening socket (to hand over to the next program image: daemon-reexec).</summary>
    public int ListenerFd => (int)_listener!.Handle;

    /// <summary>
    /// Starts answering on the listening socket the previous program image of this daemon handed
    /// over (daemon-reexec): bound at the path and listening all along, its backlog holds every
    /// client that connected meanwhile.
    /// </summary>
    public void Start(int inherited)
    {
        _listener = new Socket(new SafeSocketHandle(inherited, ownsHandle: true));
        Accept();
    }

    private void Accept() => Connections.Start(_listener!, Serve, _cts.Token);

    public void Start()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        // Bound and listening under a temporary name, then renamed into place: the socket path only
        // appears once connections are accepted (a client would otherwise be refused between bind
        // and listen). The daemon holds the socket's lock (InstanceLock), so a socket already there
        // is a stale one left by a killed daemon, and renaming over it replaces it.
        string temporary = $"{socketPath}.{Environment.ProcessId}.tmp";
        if (File.Exists(temporary)) File.Delete(temporary);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(temporary));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        Linux.FileOwner.Set(temporary, -1, access.SocketGid);
        _listener.Listen(256);
        File.Move(temporary, socketPath, overwrite: true);
        Accept();
    }

    private Task Serve(HttpConnection conn)
    {
        var caller = PeerOf(conn.Socket);
        return conn.Serve(async request =>
        {
            // The route first: who may do what is decided on what will run, not on the spelling.
            var route = ApiRoutes.RouteOf(request);
            if (route is null) return routes.NotFound(request);
            if (access.Check(caller, route) is { } refusal) return HttpRequest.Response(403, routes.Error(refusal));
            return await routes.Handle(request with { CallerUid = caller!.Uid }, route);
        }, routes.Error);
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
