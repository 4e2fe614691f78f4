using System.Globalization;
using System.Net;
using System.Text;
using Corral.Core.Units;

namespace Corral.Core.Sockets;

/// <summary>What a Listen*= line asks for.</summary>
public enum ListenKind { Stream, Datagram, SequentialPacket, Fifo }

/// <summary>Where: a port or an IP address with a port, a file system path, or a name in the abstract namespace.</summary>
public enum ListenFamily { Inet, Unix, Abstract, Fifo }

/// <summary>
/// One listening address of a socket unit, as systemd.socket(5) writes it: "22" (every address,
/// IPv6 and IPv4), "127.0.0.1:8080", "[::1]:80", "/run/app.sock", "@app" (abstract); a FIFO's path.
/// </summary>
public sealed record ListenSpec(ListenKind Kind, ListenFamily Family, string Text)
{
    /// <summary>The path of a Unix socket or FIFO, the name of an abstract one (without '@').</summary>
    public string? Path { get; init; }
    /// <summary>For Inet: the address (null: every address, "[::]" and "0.0.0.0") and the port.</summary>
    public IPAddress? Address { get; init; }
    public int Port { get; init; }

    /// <summary>The longest path a sockaddr_un holds, its NUL aside.</summary>
    public const int MaxUnixPath = 107;

    public string Directive => Kind switch
    {
        ListenKind.Stream => "ListenStream",
        ListenKind.Datagram => "ListenDatagram",
        ListenKind.SequentialPacket => "ListenSequentialPacket",
        _ => "ListenFIFO",
    };

    /// <summary>As systemctl list-sockets prints the address: the text, a port as "[::]:22".</summary>
    public string Listen => Family == ListenFamily.Inet && Address is null ? $"[::]:{Port}" : Text;

    /// <summary>What systemctl calls the type: Stream, Datagram, SequentialPacket, FIFO.</summary>
    public string TypeName => Kind == ListenKind.Fifo ? "FIFO" : Kind.ToString();

    public static ListenSpec Parse(ListenKind kind, string text)
    {
        string v = text.Trim();
        if (v.Length == 0) throw new UnitValueException("is empty");
        if (kind == ListenKind.Fifo)
        {
            if (!v.StartsWith('/')) throw new UnitValueException("is not an absolute path: a FIFO is a file");
            return new ListenSpec(kind, ListenFamily.Fifo, v) { Path = CleanPath(v) };
        }
        if (v.StartsWith('/'))
        {
            string path = CleanPath(v);
            if (Encoding.UTF8.GetByteCount(path) > MaxUnixPath) throw new UnitValueException($"is longer than the {MaxUnixPath} bytes a Unix socket's path may have");
            return new ListenSpec(kind, ListenFamily.Unix, v) { Path = path };
        }
        if (v.StartsWith('@'))
        {
            if (v.Length == 1) throw new UnitValueException("names no abstract socket after '@'");
            if (Encoding.UTF8.GetByteCount(v) > MaxUnixPath) throw new UnitValueException($"is longer than the {MaxUnixPath} bytes an abstract socket's name may have");
            return new ListenSpec(kind, ListenFamily.Abstract, v) { Path = v[1..] };
        }
        if (v.Contains(':') && !v.StartsWith('[') && v.IndexOf(':') != v.LastIndexOf(':') || v.StartsWith("vsock:", StringComparison.Ordinal))
            throw new UnitValueException("is not an address Corral listens on: a port (22), IPv4:port, [IPv6]:port, an absolute path or @abstract");
        if (v.All(char.IsAsciiDigit)) return new ListenSpec(kind, ListenFamily.Inet, v) { Port = ParsePort(v) };
        int colon = v.LastIndexOf(':');
        if (colon <= 0) throw new UnitValueException("is neither a port, an address with a port, an absolute path nor @abstract");
        string host = v[..colon], port = v[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        else if (host.Contains(':')) throw new UnitValueException("writes an IPv6 address without brackets: [ADDRESS]:PORT");
        if (host.Contains('%')) throw new UnitValueException("names an interface (%IFACE), which Corral does not bind to");
        if (!IPAddress.TryParse(host, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && host.Count(c => c == '.') != 3))
            throw new UnitValueException($"'{host}' is not an IP address");
        return new ListenSpec(kind, ListenFamily.Inet, v) { Address = address, Port = ParsePort(port) };
    }

    private static int ParsePort(string p) =>
        int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is >= 1 and <= 65535
            ? port : throw new UnitValueException($"'{p}' is not a port (1-65535)");

    /// <summary>An absolute path with no "." or ".." component and no NUL: what is bound is what was written.</summary>
    private static string CleanPath(string v)
    {
        if (v.Contains('\0')) throw new UnitValueException("holds a NUL byte");
        var parts = v.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UnitValueException("is the root directory, not a file");
        if (parts.Any(p => p is "." or "..")) throw new UnitValueException("has a '.' or '..' component");
        return "/" + string.Join('/', parts);
    }
}
