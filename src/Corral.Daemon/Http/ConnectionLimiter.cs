using Corral.Daemon.Wire;
using System.Net.Sockets;
using System.Text.Json;

namespace Corral.Daemon.Http;

/// <summary>
/// The accept loop of one listening socket (the Unix socket, or the TCP endpoint) and the bound on
/// what it holds open. At most <see cref="MaxOpen"/> connections at once: when full, the oldest
/// connection that has not sent its request yet is closed to make room — a client that connects and
/// says nothing cannot keep anyone out, while one that sends its request at once (every real client
/// does) is served. When every slot is busy with a request being answered, a newcomer gets 503.
/// Out of descriptors (EMFILE, ENFILE), the loop closes idle connections and waits before it tries
/// again, growing the wait up to a second, instead of spinning on a backlog it cannot accept.
/// </summary>
internal sealed class ConnectionLimiter(string name, int maxOpen)
{
    /// <summary>
    /// How many connections one listener may hold: an eighth of the descriptors the daemon may open,
    /// between 8 and 128. Descriptors must never run out: the .NET runtime needs one to start a
    /// thread, and a thread it cannot start ends the process ("Out of memory."), whatever the code
    /// that wanted it (measured: a daemon limited to 160 descriptors died at its 49th idle connection).
    /// </summary>
    public static int DefaultMaxOpen { get; } = (int)Math.Clamp((Linux.ResourceLimits.Soft(Linux.ResourceLimits.NoFile) ?? 1 << 20) / 8, 8, 128);

    public int MaxOpen { get; } = maxOpen;

    /// <summary>"socket" or "HTTP", for messages.</summary>
    public string Name { get; } = name;
    public TimeSpan HeadDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan WriteDeadline { get; init; } = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly LinkedList<HttpConnection> _idle = new();
    private int _open;
    private long _evictions, _acceptFailures;

    /// <summary>Connections open now (accepted, not yet disposed).</summary>
    public int Open
    {
        get { lock (_gate) return _open; }
    }

    /// <summary>Waits until at most <paramref name="left"/> connections are open, up to <paramref name="limit"/>; false if more still are.</summary>
    public async Task<bool> WaitOpenAtMostAsync(int left, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (Open > left)
        {
            if (DateTime.UtcNow >= until) return false;
            await Task.Delay(5);
        }
        return true;
    }

    /// <summary>Idle connections closed to make room for newer ones since the daemon started.</summary>
    public long Evictions
    {
        get { lock (_gate) return _evictions; }
    }

    private Socket? _listener;
    private Func<HttpConnection, Task>? _serve;
    private CancellationToken _cancel;
    private CancellationTokenSource _accepting = new();

    /// <summary>Accepts on <paramref name="listener"/> until <paramref name="cancel"/>; each connection is served on the thread pool and disposed after.</summary>
    public void Start(Socket listener, Func<HttpConnection, Task> serve, CancellationToken cancel)
    {
        (_listener, _serve, _cancel) = (listener, serve, cancel);
        _ = Run(listener, serve, cancel, _accepting.Token);
    }

    /// <summary>
    /// Stops accepting (daemon-reexec): the listener stays open, clients that connect from now on wait
    /// in its backlog for whoever accepts next, and the connections already accepted are answered.
    /// </summary>
    public void StopAccepting() => _accepting.Cancel();

    public void ResumeAccepting()
    {
        _accepting = new CancellationTokenSource();
        _ = Run(_listener!, _serve!, _cancel, _accepting.Token);
    }

    private async Task Run(Socket listener, Func<HttpConnection, Task> serve, CancellationToken cancel, CancellationToken stopAccepting)
    {
        var backoff = TimeSpan.FromMilliseconds(10);
        using var accepting = CancellationTokenSource.CreateLinkedTokenSource(cancel, stopAccepting);
        var acceptCancel = accepting.Token;
        while (!acceptCancel.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                // A connection the kernel hands over as the accept is cancelled is still served (below).
                socket = await listener.AcceptAsync(acceptCancel);
                backoff = TimeSpan.FromMilliseconds(10);
            }
            catch (Exception) when (acceptCancel.IsCancellationRequested) { return; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                long failures;
                lock (_gate) failures = ++_acceptFailures;
                EvictOldestIdle();
                // .NET names EMFILE and ENFILE alike ("Too many open files in system"): the daemon or the machine is out of descriptors.
                if (failures == 1 || failures % 1000 == 0)
                    Console.Error.WriteLine($"corral: {Name}: cannot accept a connection, out of descriptors ({e.Message}); waiting {backoff.TotalMilliseconds} ms ({failures} times so far)");
                try { await Task.Delay(backoff, acceptCancel); } catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.TicksPerSecond));
                continue;
            }
            catch (SocketException) { continue; } // the client gave up before it was accepted
            catch (ObjectDisposedException) { return; }

            var conn = new HttpConnection(socket, this, cancel);
            if (!Admit(conn))
            {
                _ = Task.Run(() => RefuseBusy(conn));
                continue;
            }
            _ = Task.Run(async () =>
            {
                using (conn)
                {
                    try { await serve(conn); }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException) { }
                    catch (Exception e) { Console.Error.WriteLine($"corral: {Name}: connection failed: {e}"); }
                }
            });
        }
    }

    /// <summary>Takes a slot for the connection, evicting the oldest idle one if need be; false when every slot is busy.</summary>
    private bool Admit(HttpConnection conn)
    {
        HttpConnection? victim = null;
        lock (_gate)
        {
            if (_open >= MaxOpen)
            {
                if (_idle.First is null) return false;
                victim = _idle.First.Value;
                _idle.RemoveFirst();
                _evictions++;
            }
            _open++;
            _idle.AddLast(conn);
            conn.Admitted = true;
        }
        victim?.Evict();
        return true;
    }

    private static async Task RefuseBusy(HttpConnection conn)
    {
        using (conn)
            await conn.Answer(HttpRequest.Response(503, JsonSerializer.Serialize(new JobResponse(false,
                "too many connections at once; try again in a moment"), ApiJson.Default.JobResponse)), readWhole: false);
    }

    private void EvictOldestIdle()
    {
        HttpConnection? victim;
        lock (_gate)
        {
            victim = _idle.First?.Value;
            if (victim is null) return;
            _idle.RemoveFirst();
            _evictions++;
        }
        victim.Evict();
    }

    internal void MarkBusy(HttpConnection conn)
    {
        lock (_gate) _idle.Remove(conn);
    }

    /// <summary>Called once per admitted or refused connection when it is disposed.</summary>
    internal void Release(HttpConnection conn)
    {
        if (!conn.Admitted) return; // refused outright: it never held a slot
        lock (_gate)
        {
            _idle.Remove(conn);
            _open--;
        }
    }
}
