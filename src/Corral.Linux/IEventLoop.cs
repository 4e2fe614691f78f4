namespace Corral.Linux;

/// <summary>
/// A thread that owns some state: work posted to it runs there, one item at a time, in the order
/// posted, so the state it touches needs no lock.
/// </summary>
public interface IEventLoop
{
    /// <summary>Queues work for the loop's thread; never runs it on the caller's.</summary>
    void Post(Action work);

    /// <summary>True on the loop's own thread.</summary>
    bool IsCurrent { get; }
}
