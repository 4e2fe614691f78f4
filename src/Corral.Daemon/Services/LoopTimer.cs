namespace Corral.Daemon.Services;

/// <summary>
/// A one-shot timer whose firing runs on a unit's loop, and only if it was not re-armed or
/// disarmed meanwhile: the check is made on the loop, so a tick already on its way when the loop
/// moved on cannot reach the new state. Armed and disarmed on the loop only.
/// </summary>
internal sealed class LoopTimer(Mailbox loop, TimeProvider clock) : IDisposable
{
    private ITimer? _timer;
    private long _generation;

    /// <summary>Runs <paramref name="onLoop"/> on the loop after <paramref name="after"/>, replacing what was armed; infinity (or past int.MaxValue ms) only disarms.</summary>
    public void Arm(TimeSpan after, Action onLoop)
    {
        long gen = Disarm();
        if (after == TimeSpan.MaxValue || after.TotalMilliseconds > int.MaxValue) return;
        _timer = clock.CreateTimer(_ => loop.Post(() =>
        {
            if (gen == _generation) onLoop();
        }), null, after, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Nothing armed now fires; returns the new generation.</summary>
    public long Disarm()
    {
        _timer?.Dispose();
        _timer = null;
        return ++_generation;
    }

    public void Dispose() => Disarm();
}
