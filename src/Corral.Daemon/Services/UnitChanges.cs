namespace Corral.Daemon.Services;

/// <summary>Told by every runner after each event it handled: what the live page's feed waits on instead of polling.</summary>
internal sealed class UnitChanges
{
    public event Action<string>? Changed;

    public void Notify(string unit) => Changed?.Invoke(unit);
}
