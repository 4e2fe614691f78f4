using System.Collections.Concurrent;

namespace Corral.Daemon.Services;

/// <summary>
/// Notification messages accepted and refused, by reason, since the daemon started (/metrics).
/// Written by the socket's thread and the runners' loops; read by /metrics.
/// </summary>
internal sealed class NotifyCounters
{
    public const string Malformed = "malformed", Oversized = "oversized", NoCredentials = "no-credentials",
        SenderGone = "sender-gone", Foreign = "not-a-unit", NotAllowed = "notify-access", BadMainPid = "bad-mainpid",
        RateLimited = "rate-limited";

    private long _accepted;
    private readonly ConcurrentDictionary<string, long> _refused = new();

    public long AcceptedCount => Interlocked.Read(ref _accepted);

    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Refused(string reason) => _refused.AddOrUpdate(reason, 1, (_, n) => n + 1);

    /// <summary>Every reason, those never seen at 0, so the series exist from the start.</summary>
    public IEnumerable<(string Reason, long Count)> RefusedCounts() =>
        new[] { Malformed, Oversized, NoCredentials, SenderGone, Foreign, NotAllowed, BadMainPid, RateLimited }
            .Select(r => (r, _refused.TryGetValue(r, out long n) ? n : 0));
}
