namespace Corral.Linux;

/// <summary>
/// The pause of a reader thread that waits in poll(2) with an eventfd (its kick) beside what it
/// reads (daemon-reexec stops the readers where the kernel keeps what follows). Another thread asks
/// <see cref="Pause"/> and waits until the reader has reached <see cref="WaitWhilePaused"/>, which the
/// reader calls at the top of its loop: from then on it waits on the kick alone, reading nothing,
/// until <see cref="Resume"/>.
/// </summary>
internal sealed class PauseGate(int kick, bool paused = false)
{
    private volatile bool _paused = paused;
    private readonly ManualResetEventSlim _reached = new();

    public bool Paused => _paused;

    /// <summary>Asks the pause, wakes the reader, and waits (up to <paramref name="limit"/>) until it stopped reading.</summary>
    public void Pause(TimeSpan limit)
    {
        _reached.Reset();
        _paused = true;
        Interop.EventfdSignal(kick);
        _reached.Wait(limit);
    }

    public void Resume()
    {
        _paused = false;
        Interop.EventfdSignal(kick);
    }

    /// <summary>On the reader's thread: while paused (and not <paramref name="ending"/>), says so and waits on the kick alone.</summary>
    public unsafe void WaitWhilePaused(Func<bool> ending)
    {
        while (_paused && !ending())
        {
            _reached.Set();
            var wait = new Interop.PollFd { Fd = kick, Events = Interop.POLLIN };
            Interop.Poll(&wait, 1, -1);
            Interop.EventfdClear(kick);
        }
    }
}
