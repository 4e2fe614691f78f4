using System.Globalization;
using System.Net;

namespace Corral.Linux.Sockets;

/// <summary>
/// Who is waiting on a listening TCP port nobody has accepted from yet: /proc/net/tcp and tcp6 list
/// a connection still in a listener's accept queue as established with no socket inode (0). What a
/// socket unit with Accept=no can say of the connection that started its service, without taking
/// it from the service.
/// </summary>
public static class PendingConnection
{
    private const int MaxLines = 100_000;

    /// <summary>"127.0.0.1:53412" of a connection waiting to be accepted on the port; null when none is seen.</summary>
    public static string? On(int port)
    {
        foreach (var (file, v6) in new[] { ("/proc/net/tcp", false), ("/proc/net/tcp6", true) })
        {
            try
            {
                int n = 0;
                foreach (var line in File.ReadLines(file))
                {
                    if (++n > MaxLines) break;
                    var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 10 || f[3] != "01" || f[9] != "0") continue;
                    if (Endpoint(f[1], v6) is not { } local || local.Port != port) continue;
                    if (Endpoint(f[2], v6) is { } remote) return Format(remote);
                }
            }
            catch (Exception e) when (Core.FileErrors.Is(e))
            {
                // no such table (IPv6 off): the other one may say
            }
        }
        return null;
    }

    private static string Format(IPEndPoint e)
    {
        var a = e.Address.IsIPv4MappedToIPv6 ? e.Address.MapToIPv4() : e.Address;
        return a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]:{e.Port}" : $"{a}:{e.Port}";
    }

    /// <summary>"0100007F:0016": the address as the kernel's 32-bit words in host order (little-endian here), the port in hex.</summary>
    private static IPEndPoint? Endpoint(string s, bool v6)
    {
        int colon = s.IndexOf(':');
        if (colon < 0 || !int.TryParse(s.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int port)) return null;
        string hex = s[..colon];
        if (hex.Length != (v6 ? 32 : 8)) return null;
        var bytes = new byte[hex.Length / 2];
        for (int w = 0; w < hex.Length / 8; w++)
        {
            if (!uint.TryParse(hex.AsSpan(w * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint word)) return null;
            BitConverter.TryWriteBytes(bytes.AsSpan(w * 4, 4), word); // little-endian: the kernel's own order
        }
        return new IPEndPoint(new IPAddress(bytes), port);
    }
}
