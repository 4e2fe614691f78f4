using System.Collections.Immutable;

namespace Corral.Daemon.Jobs;

/// <summary>
/// Whether each target is active, and since when. Written only by the job engine's loop (a target's
/// state changes only by a job); readers take the immutable map it last published.
/// </summary>
internal sealed class TargetStates(TimeProvider clock)
{
    private volatile ImmutableDictionary<string, DateTimeOffset> _active = ImmutableDictionary<string, DateTimeOffset>.Empty.WithComparers(StringComparer.Ordinal);
    private volatile ImmutableDictionary<string, DateTimeOffset> _inactiveSince = ImmutableDictionary<string, DateTimeOffset>.Empty.WithComparers(StringComparer.Ordinal);

    public bool IsActive(string target) => _active.ContainsKey(target);

    /// <summary>When the target entered its present state; null if it never changed.</summary>
    public DateTimeOffset? Since(string target) =>
        _active.TryGetValue(target, out var t) ? t : _inactiveSince.TryGetValue(target, out var u) ? u : null;

    public void Set(string target, bool active)
    {
        if (active == IsActive(target)) return;
        var now = clock.GetLocalNow();
        if (active)
        {
            _active = _active.SetItem(target, now);
            _inactiveSince = _inactiveSince.Remove(target);
        }
        else
        {
            _active = _active.Remove(target);
            _inactiveSince = _inactiveSince.SetItem(target, now);
        }
    }

    public IEnumerable<string> Active => _active.Keys;
}
