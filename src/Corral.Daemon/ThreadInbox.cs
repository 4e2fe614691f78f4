namespace Corral.Daemon;

/// <summary>
/// The queue of a thread of the daemon's own (the death recorder, the exec describer): any thread
/// adds, that one takes. Taking from an empty inbox sleeps in the kernel at once. BlockingCollection
/// spun first (sched_yield, then a sleep), and its two consumers, woken a few times for every
/// service started, took 19 % of the daemon's CPU in a start of 100 services on this 2-core VM
/// (perf, docs/benchmarks.md); the starts needed that CPU.
/// </summary>
internal sealed class ThreadInbox<T>
{
    private readonly Queue<T> _items = new();
    private readonly object _gate = new();
    private bool _completed;

    /// <summary>False once <see cref="CompleteAdding"/> was called: the item is dropped.</summary>
    public bool TryAdd(T item)
    {
        lock (_gate)
        {
            if (_completed) return false;
            _items.Enqueue(item);
            if (_items.Count == 1) Monitor.Pulse(_gate); // only an empty inbox has a sleeping taker
        }
        return true;
    }

    /// <summary>The next item if there is one, without waiting.</summary>
    public bool TryTake(out T item)
    {
        lock (_gate) return _items.TryDequeue(out item!);
    }

    /// <summary>The next item, waiting up to <paramref name="timeoutMs"/> (Timeout.Infinite: until one comes or adding is complete).</summary>
    public bool TryTake(out T item, int timeoutMs)
    {
        long deadline = timeoutMs == Timeout.Infinite ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        lock (_gate)
        {
            while (!_items.TryDequeue(out item!))
            {
                long left = deadline - Environment.TickCount64;
                if (_completed || left <= 0) return false;
                Monitor.Wait(_gate, deadline == long.MaxValue ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue));
            }
            return true;
        }
    }

    /// <summary>Every item until adding is complete and nothing is left.</summary>
    public IEnumerable<T> Consume()
    {
        while (TryTake(out var item, Timeout.Infinite)) yield return item;
    }

    /// <summary>No more items; a waiting taker wakes, takes what is left, then stops.</summary>
    public void CompleteAdding()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Adding is complete and nothing is left to take.</summary>
    public bool IsCompleted
    {
        get { lock (_gate) return _completed && _items.Count == 0; }
    }
}
