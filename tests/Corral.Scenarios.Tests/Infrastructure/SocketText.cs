using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>What a socket-activated service answers: read to the end of the connection, as ASCII.</summary>
public static class SocketText
{
    /// <summary>Everything the peer sends until it closes; a receive that waits longer than <paramref name="timeoutMs"/> throws.</summary>
    public static string ReadToEnd(Socket s, int timeoutMs)
    {
        s.ReceiveTimeout = timeoutMs;
        var text = new StringBuilder();
        var buffer = new byte[1024];
        int n;
        while ((n = s.Receive(buffer)) > 0) text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return text.ToString();
    }

    /// <summary>A new connection to 127.0.0.1:PORT, read to its end.</summary>
    public static string Ask(int port, int timeoutMs)
    {
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.Connect(IPAddress.Loopback, port);
        return ReadToEnd(c, timeoutMs);
    }
}
