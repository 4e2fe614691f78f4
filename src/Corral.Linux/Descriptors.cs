namespace Corral.Linux;

/// <summary>Raw descriptors the daemon keeps itself (a socket unit's listening sockets): duplicated for a spawn, closed when done.</summary>
public static class Descriptors
{
    /// <summary>A close-on-exec duplicate above 2, or −1 when the descriptor is not open (or none is left).</summary>
    public static int Duplicate(int fd) => Interop.Fcntl(fd, Interop.F_DUPFD_CLOEXEC, 3);

    public static void Close(int fd) => Interop.Close(fd);
}
