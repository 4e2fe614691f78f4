namespace Corral.Daemon.Monitoring;

/// <summary>
/// Gives the daemon's spare memory back to the kernel (issue #16, item 4). After a burst of work (a
/// start of 100 services, a storm of deaths) the garbage collector keeps the regions it committed for
/// it, ~10 MiB with 100 services, though the live heap is ~5 MiB; the gen-0 and region settings
/// tried did not change that (docs/benchmarks.md). So when a collection has left more than
/// <paramref name="slackBytes"/> committed beyond the live heap, one aggressive collection compacts
/// the heap and decommits what is free — at most once per <paramref name="minInterval"/>, and only
/// after an ordinary collection said so (the figures change only at a collection), so an idle daemon
/// never collects for nothing.
/// </summary>
internal sealed class MemoryTrim(TimeSpan minInterval, long slackBytes)
{
    private long _lastTrim = Environment.TickCount64;
    private int _collectionsSeen = -1;

    /// <summary>Trims when it is due; true when it did. Called by the health monitor's tick.</summary>
    public bool TrimIfDue()
    {
        long now = Environment.TickCount64;
        if (now - _lastTrim < (long)minInterval.TotalMilliseconds) return false;
        int collections = GC.CollectionCount(0);
        if (collections == _collectionsSeen) return false; // nothing changed since the last look
        _collectionsSeen = collections;
        var info = GC.GetGCMemoryInfo();
        if (info.TotalCommittedBytes - info.HeapSizeBytes < slackBytes) return false;
        _lastTrim = now;
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _collectionsSeen = GC.CollectionCount(0);
        Trims++;
        return true;
    }

    /// <summary>How many trims ran.</summary>
    public long Trims { get; private set; }
}
