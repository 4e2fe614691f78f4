using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace Corral.Daemon.Http;

/// <summary>
/// One accepted connection of the Unix socket or the TCP endpoint, one request on it. Reading the
/// request has a deadline (<see cref="ConnectionLimiter.HeadDeadline"/>), every write another
/// (<see cref="ConnectionLimiter.WriteDeadline"/>): a client that sends slowly or never reads its
/// answer is dropped, not waited for. Until its request has been read the connection is idle and
/// may be evicted by the limiter to make room for a new one.
/// </summary>
internal sealed class HttpConnection : IDisposable
{
    private readonly ConnectionLimiter _owner;
    private readonly CancellationTokenSource _evicted;
    private int _disposed;

    internal HttpConnection(Socket socket, ConnectionLimiter owner, CancellationToken stopping)
    {
        Socket = socket;
        _owner = owner;
        _evicted = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public Socket Socket { get; }

    /// <summary>Accepted at (Environment.TickCount64): the oldest idle connection is evicted first.</summary>
    internal long AcceptedAt { get; } = Environment.TickCount64;

    /// <summary>Set by the limiter when the connection got a slot (a refused one is answered 503 and closed).</summary>
    internal bool Admitted { get; set; }

    /// <summary>
    /// Closes the connection at once, on the caller's thread (the limiter needs its slot): its
    /// descriptor must be free before the next one is accepted, not whenever its task runs again —
    /// a flood of connections otherwise outruns the closing and uses the descriptors up.
    /// </summary>
    internal void Evict()
    {
        try { _evicted.Cancel(); } catch (ObjectDisposedException) { }
        Socket.Dispose();
    }

    /// <summary>The request, or null when the head was too long or the peer closed early. Throws FormatException for a malformed head,
    /// OperationCanceledException when the deadline passed or the connection was evicted.</summary>
    public async Task<HttpRequest?> ReadRequest()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_evicted.Token);
        deadline.CancelAfter(_owner.HeadDeadline);
        var cancel = deadline.Token;
        // Pooled: a flood of connections that never send a head must not leave 16 KiB of garbage each.
        var buf = ArrayPool<byte>.Shared.Rent(HttpRequest.MaxHeaderBytes);
        try
        {
            int filled = 0;
            int headEnd;
            while ((headEnd = buf.AsSpan(0, filled).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (filled == HttpRequest.MaxHeaderBytes) return null;
                int n = await Socket.ReceiveAsync(buf.AsMemory(filled, HttpRequest.MaxHeaderBytes - filled), SocketFlags.None, cancel);
                if (n == 0) return null;
                filled += n;
            }
            string head = Encoding.ASCII.GetString(buf, 0, headEnd);
            var (method, target, length, headers) = HttpRequest.ParseHead(head);
            var body = new byte[length];
            int have = Math.Min(length, filled - (headEnd + 4));
            Array.Copy(buf, headEnd + 4, body, 0, have);
            while (have < length)
            {
                int n = await Socket.ReceiveAsync(body.AsMemory(have), SocketFlags.None, cancel);
                if (n == 0) return null;
                have += n;
            }
            _owner.MarkBusy(this);
            return HttpRequest.Create(method, target, Encoding.UTF8.GetString(body)) with { Headers = headers };
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>
    /// Reads the request and answers it with what <paramref name="handle"/> returns (null: it took
    /// the connection over, as the live feed does). A head too long or cut short, or malformed, is
    /// 400; a failure of the handler 500 with its message; a client too slow, or evicted, gets no
    /// answer. <paramref name="error"/> makes the JSON of an error message.
    /// </summary>
    public async Task Serve(Func<HttpRequest, Task<byte[]?>> handle, Func<string, string> error)
    {
        byte[]? response;
        bool readWhole = false, headOnly = false;
        try
        {
            var request = await ReadRequest();
            readWhole = request is not null;
            if (request is null)
                response = HttpRequest.Response(400, error("malformed request: headers too long or connection closed early"));
            else
            {
                headOnly = request.Method == "HEAD";
                response = await handle(request);
                if (response is null) return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            return; // too slow, or evicted (its socket closed under it): no answer
        }
        catch (FormatException e)
        {
            response = HttpRequest.Response(400, error($"malformed request: {e.Message}"));
        }
        catch (Exception e) when (e is not SocketException)
        {
            Console.Error.WriteLine($"corral: {_owner.Name}: request failed: {e}");
            response = HttpRequest.Response(500, error($"internal error: {e.Message}"));
        }
        await Answer(response, readWhole, headOnly);
    }

    /// <summary>
    /// Sends the answer (its head only for a HEAD request); after a request that was not read whole,
    /// reads on (a little) so that closing does not reset the connection and lose the answer.
    /// </summary>
    public async Task Answer(byte[] response, bool readWhole, bool headOnly = false)
    {
        if (headOnly && response.AsSpan().IndexOf("\r\n\r\n"u8) is int end and >= 0) response = response[..(end + 4)];
        if (!await Send(response)) return;
        if (!readWhole) await Drain();
    }

    /// <summary>Writes all of <paramref name="data"/> within the write deadline; false when the client is gone or did not read in time.</summary>
    public async Task<bool> Send(ReadOnlyMemory<byte> data)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_evicted.Token);
        deadline.CancelAfter(_owner.WriteDeadline);
        try
        {
            while (data.Length > 0)
            {
                int n = await Socket.SendAsync(data, SocketFlags.None, deadline.Token);
                data = data[n..];
            }
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false; // gone, evicted, or not reading: it is closed by Dispose
        }
    }

    private async Task Drain()
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(_evicted.Token);
        limit.CancelAfter(TimeSpan.FromSeconds(2));
        var buf = new byte[16 * 1024];
        try
        {
            Socket.Shutdown(SocketShutdown.Send);
            for (int total = 0; total < 1 << 20;)
            {
                int n = await Socket.ReceiveAsync(buf, SocketFlags.None, limit.Token);
                if (n == 0) return;
                total += n;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _owner.Release(this);
        Socket.Dispose();
        _evicted.Dispose();
    }
}
