using System.Net;
using System.Net.Sockets;
using Corral.Core.Sockets;

namespace Corral.Linux.Sockets;

/// <summary>Why an address could not be listened on: the address and what the kernel said ("[::]:22: Address already in use (EADDRINUSE)").</summary>
public sealed class ListenException(string message) : Exception(message);

/// <summary>
/// Opens what one Listen*= line asks for, as systemd's socket unit does: an IPv6 socket that takes
/// IPv4 too for a bare port (BindIPv6Only=), SO_REUSEADDR always, the unit's options, then bind
/// and listen; a Unix socket's directories made with DirectoryMode=, a stale socket file (only a
/// socket, never what else is there) removed first, the new one given SocketMode= and its owner; a
/// FIFO made or reused and opened for reading and writing. The result is a raw descriptor
/// (close-on-exec) the caller owns.
/// </summary>
public static class ListeningSocket
{
    private const int SolSocket = 1, SoReuseAddr = 2, SoSndBuf = 7, SoRcvBuf = 8, SoReusePort = 15, SoPassCred = 16, SoSndBufForce = 32, SoRcvBufForce = 33;
    private const int IpProtoIp = 0, IpFreeBind = 15, IpProtoIpv6 = 41, Ipv6FreeBind = 78;

    public sealed record Options(int Backlog, bool ReusePort, string BindIpv6Only, bool FreeBind, bool PassCredentials, int? ReceiveBuffer, int? SendBuffer,
        int SocketMode, int DirectoryMode, int? Uid, int? Gid);

    public static int Open(ListenSpec spec, Options o)
    {
        if (spec.Kind == ListenKind.Fifo) return OpenFifo(spec.Path!, o);
        var type = spec.Kind switch { ListenKind.Stream => SocketType.Stream, ListenKind.Datagram => SocketType.Dgram, _ => SocketType.Seqpacket };
        Socket? s = null;
        try
        {
            EndPoint endpoint;
            if (spec.Family == ListenFamily.Inet)
            {
                if (type == SocketType.Seqpacket) throw new ListenException($"{spec.Directive}={spec.Text}: sequential packets are for Unix sockets only");
                var address = spec.Address ?? IPAddress.IPv6Any;
                s = new Socket(address.AddressFamily, type, type == SocketType.Stream ? ProtocolType.Tcp : ProtocolType.Udp);
                if (address.AddressFamily == AddressFamily.InterNetworkV6) s.DualMode = o.BindIpv6Only != "ipv6-only";
                if (o.FreeBind) Set(s, address.AddressFamily == AddressFamily.InterNetworkV6 ? IpProtoIpv6 : IpProtoIp, address.AddressFamily == AddressFamily.InterNetworkV6 ? Ipv6FreeBind : IpFreeBind, 1);
                endpoint = new IPEndPoint(address, spec.Port);
            }
            else return OpenUnix(spec, type, o); // not .NET's Socket: its Dispose removes the file it bound
            Set(s, SolSocket, SoReuseAddr, 1); // not .NET's ReuseAddress, which is SO_REUSEPORT here
            if (o.ReusePort) Set(s, SolSocket, SoReusePort, 1);
            if (o.PassCredentials) Set(s, SolSocket, SoPassCred, 1);
            if (o.ReceiveBuffer is { } rcv && !TrySet(s, SolSocket, SoRcvBufForce, rcv)) Set(s, SolSocket, SoRcvBuf, rcv);
            if (o.SendBuffer is { } snd && !TrySet(s, SolSocket, SoSndBufForce, snd)) Set(s, SolSocket, SoSndBuf, snd);
            s.Bind(endpoint);
            if (type != SocketType.Dgram) s.Listen(o.Backlog);
            int fd = Interop.Fcntl((int)s.Handle, Interop.F_DUPFD_CLOEXEC, 3);
            if (fd < 0) throw new ListenException($"{spec.Directive}={spec.Text}: cannot keep the socket: {ErrnoException.Describe(Interop.LastErrno)}");
            return fd;
        }
        catch (SocketException e)
        {
            throw new ListenException($"{spec.Directive}={spec.Text}: cannot listen on {spec.Listen}: {ErrnoException.Describe(e.NativeErrorCode)}");
        }
        catch (Exception e) when (Core.FileErrors.Is(e) || e is ErrnoException)
        {
            throw new ListenException($"{spec.Directive}={spec.Text}: {e.Message}");
        }
        finally
        {
            s?.Dispose(); // the duplicate is what is kept
        }
    }

    /// <summary>A Unix socket (a path or an abstract name) by the system calls themselves.</summary>
    private static unsafe int OpenUnix(ListenSpec spec, SocketType type, Options o)
    {
        int kind = type switch { SocketType.Stream => Interop.SOCK_STREAM, SocketType.Dgram => Interop.SOCK_DGRAM, _ => Interop.SOCK_SEQPACKET };
        if (spec.Family == ListenFamily.Unix) PreparePath(spec.Path!, o);
        int fd = Interop.Socket(Interop.AF_UNIX, kind | Interop.SOCK_CLOEXEC, 0);
        if (fd < 0) throw new ListenException($"{spec.Directive}={spec.Text}: cannot make a socket: {ErrnoException.Describe(Interop.LastErrno)}");
        try
        {
            var name = System.Text.Encoding.UTF8.GetBytes(spec.Family == ListenFamily.Abstract ? "\0" + spec.Path : spec.Path!);
            var addr = new byte[2 + 108];
            addr[0] = Interop.AF_UNIX; // sun_family, little-endian
            name.CopyTo(addr, 2);
            // A path is NUL-terminated; an abstract name is exactly its bytes.
            int len = 2 + name.Length + (spec.Family == ListenFamily.Abstract ? 0 : 1);
            void Option(int level, int option, int value, string what)
            {
                if (Interop.SetSockOpt(fd, level, option, &value, sizeof(int)) != 0)
                    throw new ListenException($"{spec.Directive}={spec.Text}: {what}: {ErrnoException.Describe(Interop.LastErrno)}");
            }
            if (o.PassCredentials) Option(SolSocket, SoPassCred, 1, "PassCredentials=");
            if (o.ReceiveBuffer is { } rcv)
            {
                int v = rcv;
                if (Interop.SetSockOpt(fd, SolSocket, SoRcvBufForce, &v, sizeof(int)) != 0) Option(SolSocket, SoRcvBuf, rcv, "ReceiveBuffer=");
            }
            if (o.SendBuffer is { } snd)
            {
                int v = snd;
                if (Interop.SetSockOpt(fd, SolSocket, SoSndBufForce, &v, sizeof(int)) != 0) Option(SolSocket, SoSndBuf, snd, "SendBuffer=");
            }
            fixed (byte* p = addr)
                if (Interop.Bind(fd, p, len) != 0)
                    throw new ListenException($"{spec.Directive}={spec.Text}: cannot listen on {spec.Listen}: {ErrnoException.Describe(Interop.LastErrno)}");
            if (spec.Family == ListenFamily.Unix) FinishPath(spec.Path!, o);
            if (kind != Interop.SOCK_DGRAM && Interop.Listen(fd, o.Backlog) != 0)
                throw new ListenException($"{spec.Directive}={spec.Text}: cannot listen on {spec.Listen}: {ErrnoException.Describe(Interop.LastErrno)}");
            return fd;
        }
        catch
        {
            Interop.Close(fd);
            throw;
        }
    }

    private static void Set(Socket s, int level, int name, int value)
    {
        if (!TrySet(s, level, name, value)) throw new SocketException(System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
    }

    private static bool TrySet(Socket s, int level, int name, int value)
    {
        try
        {
            s.SetRawSocketOption(level, name, BitConverter.GetBytes(value));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Its directories (DirectoryMode=), and a socket left from before removed; anything else in the way is an error.</summary>
    private static void PreparePath(string path, Options o)
    {
        MakeParents(path, o.DirectoryMode);
        var info = FileFacts.OfPath(path);
        if (info is null) return;
        if (!info.Value.IsSocket) throw new ListenException($"{path} exists and is not a socket: not replaced");
        File.Delete(path);
    }

    private static void FinishPath(string path, Options o)
    {
        File.SetUnixFileMode(path, (UnixFileMode)o.SocketMode);
        if ((o.Uid ?? -1) != -1 || (o.Gid ?? -1) != -1)
            if (Interop.Lchown(path, o.Uid ?? -1, o.Gid ?? -1) != 0)
                throw new ListenException($"{path}: cannot give it to SocketUser=/SocketGroup=: {ErrnoException.Describe(Interop.LastErrno)}");
    }

    private static void MakeParents(string path, int mode)
    {
        string? dir = Path.GetDirectoryName(path);
        if (dir is null || Directory.Exists(dir)) return;
        MakeParents(dir, mode);
        Directory.CreateDirectory(dir, (UnixFileMode)mode);
    }

    private static int OpenFifo(string path, Options o)
    {
        MakeParents(path, o.DirectoryMode);
        var info = FileFacts.OfPath(path);
        if (info is null)
        {
            if (Interop.Mkfifo(path, (uint)o.SocketMode) != 0)
                throw new ListenException($"ListenFIFO={path}: cannot make it: {ErrnoException.Describe(Interop.LastErrno)}");
            FinishPath(path, o);
        }
        else if (!info.Value.IsFifo) throw new ListenException($"ListenFIFO={path}: it exists and is not a FIFO: not replaced");
        int fd = Interop.Open(path, Interop.O_RDWR | Interop.O_NONBLOCK | Interop.O_CLOEXEC | Interop.O_NOFOLLOW, 0);
        if (fd < 0) throw new ListenException($"ListenFIFO={path}: cannot open it: {ErrnoException.Describe(Interop.LastErrno)}");
        return fd;
    }
}
