using Corral.Daemon.Services;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Monitoring;

/// <summary>
/// Tasks and memory of every unit over the last hour, one sample every <see cref="Step"/>, for the
/// page's charts. Kept in memory only while the HTTP endpoint is on; sampled by the health
/// monitor's thread (<see cref="MaybeSample"/> on each tick), so it adds no thread of its own.
/// </summary>
internal sealed class UsageHistory
{
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private static readonly int Capacity = (int)(Window / Step);

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<UsageSample>> _byUnit = new(StringComparer.Ordinal);
    private long _nextAt;

    /// <summary>Takes a sample of every unit when a step has passed since the last one.</summary>
    public void MaybeSample(IReadOnlyList<ServiceRunner> runners)
    {
        long now = Environment.TickCount64;
        if (now < _nextAt) return;
        _nextAt = now + (long)Step.TotalMilliseconds;
        var at = DateTimeOffset.Now;
        var samples = runners.Select(r => (r.Unit.Name, Usage: r.Usage())).ToList();
        lock (_gate)
        {
            foreach (var (name, usage) in samples)
            {
                var q = _byUnit.TryGetValue(name, out var existing) ? existing : _byUnit[name] = new Queue<UsageSample>();
                q.Enqueue(new UsageSample(at, usage.Tasks, usage.MemoryBytes));
                while (q.Count > Capacity) q.Dequeue();
            }
            // Units removed by daemon-reload take their history with them.
            foreach (var gone in _byUnit.Keys.Except(samples.Select(s => s.Name)).ToList()) _byUnit.Remove(gone);
        }
    }

    public UsageHistoryList Of(string unit)
    {
        lock (_gate)
            return new UsageHistoryList(unit, (int)Step.TotalSeconds, _byUnit.TryGetValue(unit, out var q) ? [.. q] : []);
    }
}
