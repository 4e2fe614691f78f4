using System.Buffers.Binary;
using System.Net;

namespace Corral.Linux.Sockets;

/// <summary>
/// One connection taken from a listening socket (Accept=yes), with what names it: the instance part
/// systemd gives its service ("4-127.0.0.1:8080-127.0.0.1:53412"; for a Unix socket "4-PID-UID" of
/// the peer), the peer as a person reads it, and the source its per-source limit counts by (the
/// peer's address; for a Unix socket its uid).
/// </summary>
public sealed record Connection(int Fd, string Instance, string Peer, string Source)
{
    private const int AfUnix = 1, AfInet = 2, AfInet6 = 10, SolSocket = 1, SoPeerCred = 17;

    /// <summary>The next connection waiting on <paramref name="listener"/>, or null (none was there, or the peer left already).</summary>
    public static unsafe Connection? Accept(int listener, long number)
    {
        var peer = stackalloc byte[128];
        int len = 128;
        int fd = Interop.Accept4(listener, peer, &len, Interop.SOCK_CLOEXEC);
        if (fd < 0) return null;
        try
        {
            int family = peer[0] | peer[1] << 8;
            if (family == AfUnix || len <= 2)
            {
                int* cred = stackalloc int[3];
                int credLen = 12;
                if (Interop.GetSockOpt(fd, SolSocket, SoPeerCred, cred, &credLen) != 0) cred[0] = cred[1] = 0;
                return new Connection(fd, $"{number}-{cred[0]}-{cred[1]}", $"pid {cred[0]}, uid {cred[1]}", $"uid {cred[1]}");
            }
            var local = stackalloc byte[128];
            int localLen = 128;
            string me = Interop.GetSockName(fd, local, &localLen) == 0 && Endpoint(local) is { } l ? Format(l) : "?";
            if (Endpoint(peer) is not { } remote)
            {
                Interop.Close(fd);
                return null;
            }
            string them = Format(remote);
            return new Connection(fd, $"{number}-{me}-{them}", them, Address(remote));
        }
        catch
        {
            Interop.Close(fd);
            throw;
        }
    }

    private static unsafe IPEndPoint? Endpoint(byte* a)
    {
        int family = a[0] | a[1] << 8;
        int port = BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(a + 2, 2));
        return family switch
        {
            AfInet => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(a + 4, 4)), port),
            AfInet6 => new IPEndPoint(new IPAddress(new ReadOnlySpan<byte>(a + 8, 16)), port),
            _ => null,
        };
    }

    private static string Address(IPEndPoint e) => (e.Address.IsIPv4MappedToIPv6 ? e.Address.MapToIPv4() : e.Address).ToString();

    /// <summary>"127.0.0.1:53412", "::1:53412": systemd's instance spelling (no brackets, which a unit name cannot hold).</summary>
    private static string Format(IPEndPoint e) => $"{Address(e)}:{e.Port}";
}
