using System.Collections.Concurrent;

namespace Corral.Daemon.Services;

/// <summary>
/// The loop that owns one unit's state. Any thread may post work to it — the API, timers, the
/// reaper, the cgroup watcher, the process connector — and never waits on it: the work runs later,
/// one item at a time and in the order posted, on a thread-pool thread, so the state it touches
/// needs no lock. Nothing else holds the state, so a spawn, a /proc read or a file write done inside
/// blocks only this unit's loop, never a reader (readers take the immutable view the loop publishes).
/// A loop costs no thread of its own while idle: a hundred idle units cost a hundred empty queues.
/// </summary>
internal sealed class Mailbox(string name)
{
    private readonly ConcurrentQueue<Action> _queue = new();
    // 1 while a drain is scheduled or running: at most one drains at a time, so posts stay in order.
    private int _draining;

    [ThreadStatic] private static Mailbox? t_current;

    /// <summary>True on the loop's own thread, inside a posted item: work may then run at once.</summary>
    public bool IsCurrent => ReferenceEquals(t_current, this);

    public void Post(Action work)
    {
        _queue.Enqueue(work);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static m => m.Drain(), this, preferLocal: false);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on the loop and completes with its result. When the loop is idle
    /// the caller's own thread becomes the loop for this item (and anything posted meanwhile), so an
    /// uncontended request costs no trip through the thread pool; when it is busy, the work is queued
    /// behind what is there and the caller awaits it, blocking nothing.
    /// </summary>
    public Task<T> Ask<T>(Func<T> work)
    {
        if (IsCurrent) return Task.FromResult(work());
        if (!_parked && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            var outer = t_current;
            t_current = this;
            try
            {
                RunQueued(); // what was posted before this ask goes first
                // Unless one of those parked the loop: then this work waits with what follows (below).
                if (!_parked)
                {
                    try { return Task.FromResult(work()); }
                    catch (Exception e) { return Task.FromException<T>(e); }
                    finally { RunQueued(); }
                }
            }
            finally
            {
                t_current = outer;
                Release();
            }
        }
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try { tcs.SetResult(work()); }
            catch (Exception e) { tcs.SetException(e); }
        });
        return tcs.Task;
    }

    public Task Ask(Action work) => Ask(() => { work(); return true; });

    private void Drain()
    {
        t_current = this;
        try
        {
            RunQueued();
        }
        finally
        {
            t_current = null;
            Release();
        }
    }

    private volatile bool _parked;

    /// <summary>
    /// Runs <paramref name="lastWork"/> on the loop after everything posted before, and then stops
    /// the loop: what is posted afterwards is kept, unrun, until <see cref="Unpark"/> (or the
    /// process execs a new image: daemon-reexec). Completes with what the last work answered.
    /// </summary>
    public Task<T> Park<T>(Func<T> lastWork) => Ask(() =>
    {
        _parked = true;
        return lastWork();
    });

    public void Unpark()
    {
        _parked = false;
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static m => m.Drain(), this, preferLocal: false);
    }

    private void RunQueued()
    {
        while (!_parked && _queue.TryDequeue(out var work))
        {
            try
            {
                work();
            }
            catch (Exception e)
            {
                // A bug in one item must not leave the unit without its loop.
                Console.Error.WriteLine($"corral: {name}: {e}");
            }
        }
    }

    private void Release()
    {
        Volatile.Write(ref _draining, 0);
        if (_parked) return; // what is queued waits for Unpark
        // Posted between the last TryDequeue and the reset: drain again (unless another post already did).
        if (!_queue.IsEmpty && Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
            ThreadPool.UnsafeQueueUserWorkItem(static m => m.Drain(), this, preferLocal: false);
    }
}
