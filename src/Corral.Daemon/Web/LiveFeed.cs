using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Corral.Daemon.Api;
using Corral.Daemon.Deaths;
using Corral.Daemon.Services;
using Corral.Daemon.Wire;
using Corral.Daemon.Http;

namespace Corral.Daemon.Web;

/// <summary>
/// GET /v1/stream: server-sent events for the page. Three kinds:
/// <c>units</c> (the whole unit list, as GET /v1/units) when any unit changed state, and at most once
/// a second while figures such as tasks and memory move; <c>death</c> (as an entry of GET /v1/deaths)
/// the moment a death is recorded; <c>notice</c> likewise. A comment line every 15 s keeps proxies
/// from closing an idle stream. Nothing is computed while nobody listens.
/// </summary>
internal sealed class LiveFeed : IDisposable
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

    /// <summary>Pages dropped to make room for a new one since the daemon started.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);
    private long _evicted;

    /// <summary>
    /// Takes over the connection: answers with the event stream until the client leaves, stops
    /// reading (a write that does not complete within the write deadline), or the daemon stops.
    /// When every slot is taken, the newcomer takes the slot of a page that is behind (messages
    /// queued because its socket does not drain) or else of the oldest: pages that never read cannot
    /// hold every slot and keep an operator's page out, and an evicted page's EventSource reconnects.
    /// </summary>
    public async Task Serve(HttpConnection conn)
    {
        var channel = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(256) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        Channel<byte[]>? victim = null;
        lock (_gate)
        {
            if (_subscribers.Count >= MaxSubscribers)
            {
                victim = _subscribers.FirstOrDefault(c => c.Reader.Count > 0) ?? _subscribers[0];
                _subscribers.Remove(victim);
                _evicted++;
            }
            _subscribers.Add(channel);
        }
        victim?.Writer.TryComplete(); // its loop ends and its connection closes
        try
        {
            if (!await conn.Send(Encoding.ASCII.GetBytes(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n" +
                    "retry: 2000\n\n")))
                return;
            if (!await conn.Send(Event("units", _routes.UnitsJson()))) return;
            await foreach (var message in channel.Reader.ReadAllAsync())
                if (!await conn.Send(message)) return;
        }
        finally
        {
            lock (_gate) _subscribers.Remove(channel);
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
            catch (Exception e) when (Core.FileErrors.Is(e) || e is Linux.Cgroups.CgroupException or Linux.ErrnoException)
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
