using System.Net;
using System.Net.Sockets;
using Corral.Core.Sockets;
using Corral.Linux.Sockets;

namespace Corral.Linux.Tests;

[Collection(nameof(ListenWatcherCollection))]
public sealed class ListenWatcherTests
{
    private static readonly ListeningSocket.Options Plain = new(128, false, "default", false, false, null, null, Convert.ToInt32("666", 8), Convert.ToInt32("755", 8), null, null);

    [Fact]
    public void A_socket_unwatched_and_closed_is_gone_at_once_so_its_address_binds_again()
    {
        // The watcher's poll() holds a reference to every descriptor it waits on: closed under it,
        // the socket stayed bound and listening until the poll woke, and binding its address right
        // after failed with EADDRINUSE. Unwatch now returns only once no poll holds it.
        using var watcher = new ListenWatcher();
        int port = Corral.Tests.Shared.FreePorts.Take();
        var spec = ListenSpec.Parse(ListenKind.Stream, $"127.0.0.1:{port}");
        for (int i = 0; i < 500; i++)
        {
            int fd = ListeningSocket.Open(spec, Plain);
            watcher.Watch(fd, () => { });
            Thread.Sleep(1); // the watcher's thread is in its poll(), holding the socket
            watcher.Unwatch(fd);
            Descriptors.Close(fd);
            using var again = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            again.Bind(new IPEndPoint(IPAddress.Loopback, port)); // no SO_REUSEADDR: anything left on the port refuses it
            again.Listen();
        }
    }
}

/// <summary>
/// Whether a closed socket is gone is seen only when no other test spawns meanwhile: a child of this
/// process holds every descriptor of it, close-on-exec ones too, until its exec.
/// </summary>
[CollectionDefinition(nameof(ListenWatcherCollection), DisableParallelization = true)]
public sealed class ListenWatcherCollection;
