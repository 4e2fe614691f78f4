using System.Net.Sockets;
using System.Text;
using System.Text.Json.Serialization.Metadata;

namespace Corral.Cli;

/// <summary>One HTTP/1.1 request per connection to the daemon's Unix socket.</summary>
internal sealed class ApiClient(string socketPath)
{
    public string SocketPath { get; } = socketPath;

    /// <summary>
    /// One request and its answer. A daemon that is not there, refuses the caller, or goes away
    /// before it answers is a CliError of one line (exit 1; 4 for permission), never an exception.
    /// </summary>
    public (int Status, string Body) Send(string method, string target)
    {
        using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            s.Connect(new UnixDomainSocketEndPoint(SocketPath));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new CliError($"permission denied on {SocketPath}: only root and members of the socket's group may talk to the corral daemon (see ls -l {SocketPath})", 4);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressNotAvailable or SocketError.ConnectionRefused)
        {
            // ENOENT (no socket file) reads as "Cannot assign requested address" in .NET; ECONNREFUSED: a socket file nobody listens on.
            throw new CliError($"no daemon is listening on {SocketPath} (start one with 'corral daemon', or name another socket with --socket or CORRAL_SOCKET)");
        }
        catch (SocketException e)
        {
            throw new CliError($"cannot reach the corral daemon at {SocketPath}: {e.Message} (is it running? --socket or CORRAL_SOCKET choose another socket)");
        }
        var ms = new MemoryStream();
        try
        {
            s.Send(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: corral\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
            var buf = new byte[65536];
            int n;
            while ((n = s.Receive(buf)) > 0) ms.Write(buf, 0, n);
        }
        catch (SocketException e)
        {
            throw new CliError($"the daemon at {SocketPath} closed the connection before it answered ({e.Message}): it may have stopped or died; see its log");
        }
        string text = Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
        int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (ms.Length == 0)
            throw new CliError($"the daemon at {SocketPath} closed the connection without an answer: it may have stopped or died; see its log");
        if (headEnd < 0 || !text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(9, 3), out int status))
            throw new CliError($"the daemon at {SocketPath} sent a malformed response");
        return (status, text[(headEnd + 4)..]);
    }

    public T Get<T>(string target, JsonTypeInfo<T> type)
    {
        var (status, body) = Send("GET", target);
        if (status != 200) throw ErrorFrom(status, body);
        return System.Text.Json.JsonSerializer.Deserialize(body, type)!;
    }

    /// <summary>
    /// One unit of a verb that names several (status, cat): its status, or null after the daemon's
    /// refusal was printed and its exit code (4 for no such unit or no permission) taken.
    /// </summary>
    public Daemon.Wire.UnitStatus? UnitOrReport(string unit, bool withProcesses, ref int exit)
    {
        var (code, body) = Send("GET", $"/v1/units/{Unit(unit)}{(withProcesses ? "?processes=1" : "")}");
        if (code == 200) return System.Text.Json.JsonSerializer.Deserialize(body, Daemon.Wire.ApiJson.Default.UnitStatus)!;
        var err = ErrorFrom(code, body);
        Console.Error.WriteLine($"corral: {err.Message}");
        exit = err.ExitCode;
        return null;
    }

    /// <summary>
    /// One request per unit, in order, as systemctl does with several units: a refusal is printed
    /// and its exit code kept (the last one's), and the next unit is still asked.
    /// </summary>
    /// <param name="answered">called with each accepted request's index and body</param>
    public int PostEach(IReadOnlyList<string> targets, VerbKind kind, Action<int, string>? answered = null)
    {
        int exit = 0;
        for (int i = 0; i < targets.Count; i++)
        {
            var (status, body) = Send("POST", targets[i]);
            if (status == 200)
            {
                answered?.Invoke(i, body);
                continue;
            }
            var err = ErrorFrom(status, body, kind);
            Console.Error.WriteLine($"corral: {err.Message}");
            exit = err.ExitCode;
        }
        return exit;
    }

    public static CliError ErrorFrom(int status, string body, VerbKind kind = VerbKind.Query)
    {
        string message;
        try
        {
            message = System.Text.Json.JsonSerializer.Deserialize(body, Daemon.Wire.ApiJson.Default.JobResponse)?.Error ?? body;
        }
        catch (System.Text.Json.JsonException)
        {
            message = body;
        }
        return new CliError(message, CliError.ExitCodeFor(status, kind));
    }

    public static string Unit(string name) => Uri.EscapeDataString(Core.Units.UnitNames.Normalize(name));
}
