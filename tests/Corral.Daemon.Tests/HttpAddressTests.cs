using System.Net;
using Corral.Daemon.Web;

namespace Corral.Daemon.Tests;

public sealed class HttpAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:9323", "127.0.0.1", 9323)]
    [InlineData("0.0.0.0:80", "0.0.0.0", 80)]
    [InlineData("[::1]:9323", "::1", 9323)]
    [InlineData("[::]:0", "::", 0)]
    public void Address_and_port(string text, string address, int port)
    {
        Assert.True(HttpAddress.TryParse(text, out var e, out var error), error);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), e);
    }

    [Theory]
    [InlineData("9323", "is not ADDRESS:PORT")]
    [InlineData("127.0.0.1:", "is not ADDRESS:PORT")]
    [InlineData("example.org:80", "'example.org' is not an IP address")]
    [InlineData("127.0.0.1:http", "'http' is not a port number")]
    [InlineData("127.0.0.1:65536", "'65536' is not a port number")]
    [InlineData("127.0.0.1:-1", "'-1' is not a port number")]
    public void Anything_else_is_refused_naming_the_argument(string text, string message)
    {
        Assert.False(HttpAddress.TryParse(text, out _, out var error));
        Assert.StartsWith($"--http '{text}'", error);
        Assert.Contains(message, error);
    }
}
