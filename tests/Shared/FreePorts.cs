using System.Net;
using System.Net.Sockets;

namespace Corral.Tests.Shared;

/// <summary>
/// A TCP port for a test's or a benchmark's server, taken below the kernel's ephemeral range
/// (net.ipv4.ip_local_port_range). A port the kernel hands out with bind(0) is an ephemeral one: any
/// client connecting meanwhile (a thousand of another test's, say) may be given it as its local port,
/// and the server's listen() then fails with EADDRINUSE. Below the range no connection is given a
/// port the kernel picks; a random pick checked free keeps two tests from taking the same one.
/// </summary>
public static class FreePorts
{
    public static int Take()
    {
        int low = EphemeralLow();
        int from = Math.Max(1024, low - 16384);
        for (int attempt = 0; attempt < 500; attempt++)
        {
            int port = Random.Shared.Next(from, low);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free TCP port between {from} and {low}");
    }

    private static int EphemeralLow()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (int.TryParse(parts[0], out int low) && low > 2048) return low;
        }
        catch (IOException) { }
        return 32768;
    }

    /// <summary>Free on every address: bound on the IPv6 any address in dual mode (IPv4's any too), or IPv4's alone without IPv6.</summary>
    private static bool IsFree(int port)
    {
        try
        {
            using var s = Socket.OSSupportsIPv6
                ? new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }
                : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
