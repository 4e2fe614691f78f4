using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Corral.Daemon.Api;
using Corral.Daemon.Deaths;
using Corral.Daemon.Services;

namespace Corral.Daemon.Web;

/// <summary>
/// GET /v1/stream: server-sent events for the page. Three kinds:
/// <c>units</c> (the whole unit list, as GET /v1/units) when any unit changed state, and at most once
/// a second while figures such as tasks and memory move; <c>death</c> (as an entry of GET /v1/deaths)
/// the moment a death is recorded; <c>notice</c> likewise. A comment line every 15 s keeps proxies
/// from closing an idle stream. Nothing is computed while nobody listens.
/// </summary>
public sealed class LiveFeed : IDisposable
{
    public const int MaxSubscribers = 32;
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    private readonly ApiRoutes _routes;
    private readonly object _gate = new();
    private readonly List<Channel<byte[]>> _subscribers = [];
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile bool _stopping;
    private string? _lastUnits;

    public LiveFeed(ApiRoutes routes, EventStore store, UnitChanges changes)
    {
        _routes = routes;
        changes.Changed += _ => _wake.Set();
        // Called on the threads that write the records (a kill storm writes thousands a second):
        // nothing is serialized unless a page listens.
        store.Added += d => { if (Subscribers > 0) Broadcast(Event("death", JsonSerializer.Serialize(DeathView.From(d), ApiJson.Default.DeathView))); };
        store.NoticeAdded += n => { if (Subscribers > 0) Broadcast(Event("notice", JsonSerializer.Serialize(n, ApiJson.Default.Notice))); };
        _thread = new Thread(Loop) { IsBackground = true, Name = "live-feed" };
        _thread.Start();
    }

    public int Subscribers { get { lock (_gate) return _subscribers.Count; } }

    /// <summary>Takes over the connection: answers with the event stream until the client leaves or the daemon stops.</summary>
    public async Task Serve(Socket conn)
    {
        var channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        bool full;
        lock (_gate)
        {
            full = _subscribers.Count >= MaxSubscribers;
            if (!full) _subscribers.Add(channel);
        }
        if (full)
        {
            using (conn)
                await HttpConnection.Answer(conn, HttpRequest.Response(503, JsonSerializer.Serialize(new JobResponse(false,
                    $"too many live pages open (at most {MaxSubscribers}); close one or reload later"), ApiJson.Default.JobResponse)), true);
            return;
        }
        try
        {
            await conn.SendAsync(Encoding.ASCII.GetBytes(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n" +
                "retry: 2000\n\n"));
            await conn.SendAsync(Event("units", _routes.UnitsJson()));
            await foreach (var message in channel.Reader.ReadAllAsync())
                await conn.SendAsync(message);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { } // the page went away
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
            conn.Dispose();
        }
    }

    private void Loop()
    {
        long lastKeepAlive = Environment.TickCount64;
        while (!_stopping)
        {
            bool poked = _wake.WaitOne(Period);
            if (_stopping) return;
            if (Subscribers == 0) { _lastUnits = null; continue; }
            // A job changes state several times in a row: gather them into one message.
            if (poked) Thread.Sleep(50);
            try
            {
                string units = _routes.UnitsJson();
                if (units != _lastUnits)
                {
                    _lastUnits = units;
                    Broadcast(Event("units", units));
                }
                else if (Environment.TickCount64 - lastKeepAlive > KeepAlive.TotalMilliseconds)
                {
                    Broadcast(": keep-alive\n\n"u8.ToArray());
                }
                else continue;
                lastKeepAlive = Environment.TickCount64;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or Linux.Cgroups.CgroupException or Linux.ErrnoException)
            {
                Console.Error.WriteLine($"corral: live feed: {e.Message}");
            }
        }
    }

    /// <summary>One event: its kind, then its JSON on one data line (the serializer escapes line breaks inside strings).</summary>
    private static byte[] Event(string kind, string json) => Encoding.UTF8.GetBytes($"event: {kind}\ndata: {json}\n\n");

    private void Broadcast(byte[] message)
    {
        List<Channel<byte[]>> targets;
        lock (_gate)
        {
            if (_subscribers.Count == 0) return;
            targets = [.. _subscribers];
        }
        foreach (var c in targets)
        {
            // A page that cannot keep up (its 256 queued messages full) is dropped; its EventSource reconnects.
            if (!c.Writer.TryWrite(message)) c.Writer.TryComplete();
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join(TimeSpan.FromSeconds(2));
        lock (_gate)
            foreach (var c in _subscribers) c.Writer.TryComplete();
    }
}
