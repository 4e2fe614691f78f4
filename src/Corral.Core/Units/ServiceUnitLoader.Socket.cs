using System.Globalization;
using Corral.Core.Sockets;

namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    /// <summary>The [Socket] directives read so far (systemd.socket(5)).</summary>
    private sealed class SocketBuilder
    {
        public readonly List<ListenSpec> Listen = [];
        public readonly List<string> Symlinks = [];
        public string? Service, User, Group, FdName, BindIpv6Only;
        public int? Mode, DirectoryMode, Backlog, ReceiveBuffer, SendBuffer, MaxConnections, MaxConnectionsPerSource;
        public bool Accept, ReusePort, FreeBind, PassCredentials, RemoveOnStop;
    }

    private static Dictionary<(string Section, string Key), Apply> WithSocket(Dictionary<(string Section, string Key), Apply> d)
    {
        foreach (var kind in Enum.GetValues<ListenKind>())
        {
            string directive = new ListenSpec(kind, ListenFamily.Inet, "").Directive;
            d[("Socket", directive)] = (b, v, _) =>
            {
                // As in systemd, an empty value removes every address before it (of every kind).
                if (v.Length == 0) { b.Sockets.Listen.Clear(); return; }
                b.Sockets.Listen.Add(ListenSpec.Parse(kind, Specifiers.Expand(v, b.Name)));
            };
        }
        d[("Socket", "Accept")] = (b, v, _) => b.Sockets.Accept = ParseBool(v);
        d[("Socket", "Service")] = (b, v, _) =>
        {
            string name = Specifiers.Expand(v, b.Name);
            if (UnitNames.Invalid(name) is { } why || !UnitNames.IsService(name)) throw new UnitValueException("is not the name of a service (NAME.service)");
            if (UnitNames.IsTemplate(name)) throw new UnitValueException("names a template: a socket starts a service (Accept=yes makes its instances itself)");
            b.Sockets.Service = name;
        };
        d[("Socket", "SocketMode")] = (b, v, _) => b.Sockets.Mode = Octal(v);
        d[("Socket", "DirectoryMode")] = (b, v, _) => b.Sockets.DirectoryMode = Octal(v);
        d[("Socket", "SocketUser")] = (b, v, _) => b.Sockets.User = v.Length == 0 ? null : ValidUserOrGroup(v);
        d[("Socket", "SocketGroup")] = (b, v, _) => b.Sockets.Group = v.Length == 0 ? null : ValidUserOrGroup(v);
        d[("Socket", "Backlog")] = (b, v, _) => b.Sockets.Backlog = Count(v, 1, int.MaxValue);
        d[("Socket", "ReusePort")] = (b, v, _) => b.Sockets.ReusePort = ParseBool(v);
        d[("Socket", "FreeBind")] = (b, v, _) => b.Sockets.FreeBind = ParseBool(v);
        d[("Socket", "PassCredentials")] = (b, v, _) => b.Sockets.PassCredentials = ParseBool(v);
        d[("Socket", "RemoveOnStop")] = (b, v, _) => b.Sockets.RemoveOnStop = ParseBool(v);
        d[("Socket", "BindIPv6Only")] = (b, v, _) => b.Sockets.BindIpv6Only = v is "default" or "both" or "ipv6-only" ? v
            : throw new UnitValueException("is not one of default, both, ipv6-only");
        d[("Socket", "ReceiveBuffer")] = (b, v, _) => b.Sockets.ReceiveBuffer = Size(v);
        d[("Socket", "SendBuffer")] = (b, v, _) => b.Sockets.SendBuffer = Size(v);
        d[("Socket", "MaxConnections")] = (b, v, _) => b.Sockets.MaxConnections = Count(v, 1, 1 << 20);
        d[("Socket", "MaxConnectionsPerSource")] = (b, v, _) => b.Sockets.MaxConnectionsPerSource = Count(v, 0, 1 << 20);
        d[("Socket", "FileDescriptorName")] = (b, v, _) =>
        {
            // sd_listen_fds_with_names: at most 255 characters, printable, no ':' (the list's separator).
            if (v.Length is 0 or > 255 || v.Any(c => c is ':' || c < ' ' || c > '~'))
                throw new UnitValueException("is not a name of 1-255 printable characters without ':'");
            b.Sockets.FdName = v;
        };
        d[("Socket", "Symlinks")] = (b, v, _) =>
        {
            if (v.Length == 0) { b.Sockets.Symlinks.Clear(); return; }
            foreach (var word in WordSplitter.Split(Specifiers.Expand(v, b.Name)))
                b.Sockets.Symlinks.Add(word.StartsWith('/') && !word.Split('/').Any(p => p is "." or "..")
                    ? word : throw new UnitValueException($"'{word}' is not an absolute path without '.' or '..'"));
        };
        return d;
    }

    private static int Octal(string v) => TryOctal(v, out int m) && m <= 0xfff ? m : throw new UnitValueException("is not an octal mode between 0000 and 7777");

    private static int Count(string v, int min, int max) =>
        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n : throw new UnitValueException($"is not a number from {min} to {max}");

    /// <summary>A buffer size: bytes, or with K, M, G (base 1024), as systemd reads it; at most 2 GiB − 1.</summary>
    private static int Size(string v)
    {
        long factor = 1;
        string n = v;
        if (v.Length > 0 && "KMG".Contains(char.ToUpperInvariant(v[^1])))
        {
            factor = char.ToUpperInvariant(v[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
            n = v[..^1];
        }
        return long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out long x) && x * factor is > 0 and <= int.MaxValue
            ? (int)(x * factor) : throw new UnitValueException("is not a size (bytes, or with K, M, G) up to 2G");
    }

    private sealed partial class Builder
    {
        public readonly SocketBuilder Sockets = new();

        /// <summary>The socket, with what systemd implies: Before= the service it starts, and with DefaultDependencies= Before=sockets.target.</summary>
        public SocketUnit BuildSocket()
        {
            if (Sockets.Listen.Count == 0)
                throw new UnitValueException("socket has no ListenStream=, ListenDatagram=, ListenSequentialPacket= or ListenFIFO= setting, refusing to load");
            string stem = Name[..^UnitNames.SocketSuffix.Length];
            if (Sockets.Accept && Sockets.Service is not null)
                throw new UnitValueException("Service= cannot be set with Accept=yes: each connection gets an instance of NAME@.service of the socket's own name");
            if (Sockets.Accept && Sockets.Listen.Any(l => l.Kind is ListenKind.Datagram or ListenKind.Fifo))
                throw new UnitValueException("Accept=yes takes connections: ListenDatagram= and ListenFIFO= have none");
            // Accept=yes: the template whose instances serve the connections.
            string service = Sockets.Service ?? stem + (Sockets.Accept ? "@" : "") + UnitNames.ServiceSuffix;
            var before = Sockets.Accept ? new List<string>() : new List<string> { service };
            if (DefaultDependencies) before.Add("sockets.target");
            return new SocketUnit
            {
                Name = Name, FilePath = FilePath, Description = Description, Dependencies = BuildDependencies().With(DependencyKind.Before, before),
                Install = BuildInstall(), Conditions = [.. Conditions], Asserts = [.. Asserts], Listen = [.. Sockets.Listen], Service = service,
                Accept = Sockets.Accept, SocketMode = Sockets.Mode ?? Convert.ToInt32("666", 8), DirectoryMode = Sockets.DirectoryMode ?? Convert.ToInt32("755", 8),
                SocketUser = Sockets.User, SocketGroup = Sockets.Group, Backlog = Sockets.Backlog ?? 4096, ReusePort = Sockets.ReusePort,
                BindIpv6Only = Sockets.BindIpv6Only ?? "default", FreeBind = Sockets.FreeBind, PassCredentials = Sockets.PassCredentials,
                ReceiveBuffer = Sockets.ReceiveBuffer, SendBuffer = Sockets.SendBuffer, FileDescriptorName = Sockets.FdName ?? stem,
                RemoveOnStop = Sockets.RemoveOnStop, Symlinks = [.. Sockets.Symlinks], MaxConnections = Sockets.MaxConnections ?? 64,
                MaxConnectionsPerSource = Sockets.MaxConnectionsPerSource ?? Sockets.MaxConnections ?? 64, IgnoreOnIsolate = IgnoreOnIsolate,
            };
        }
    }
}
