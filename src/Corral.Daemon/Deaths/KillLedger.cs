using Corral.Core.Deaths;
using Corral.Core.State;

namespace Corral.Daemon.Deaths;

/// <summary>
/// The signals Corral sent each unit during its current (or last) stop, so that the deaths they
/// cause are attributed to Corral and list what was sent. Owned by the death recorder's thread:
/// a runner posts a kill there before it sends the signal, so the note is always read before the
/// death it causes.
/// </summary>
internal sealed class KillLedger
{
    private readonly Dictionary<string, (List<CorralKill> Kills, DateTimeOffset? WindowEnd)> _kills = new(StringComparer.Ordinal);

    public void Note(string unit, CorralKill kill)
    {
        if (!_kills.TryGetValue(unit, out var k) || k.WindowEnd is not null) _kills[unit] = k = ([], null);
        k.Kills.Add(kill);
    }

    /// <summary>The run that sent the signals is over; deaths more than a few seconds later are not Corral's.</summary>
    public void EndWindow(string unit, DateTimeOffset at)
    {
        if (_kills.TryGetValue(unit, out var k)) _kills[unit] = (k.Kills, at.AddSeconds(5));
    }

    /// <summary>The signals Corral sent the unit while the process lived, and the one among them that killed it.</summary>
    public (CorralKill? Fatal, List<CorralKill> Sent) For(string unit, ExitStatus status, DateTimeOffset? started, DateTimeOffset at)
    {
        if (!_kills.TryGetValue(unit, out var k) || (k.WindowEnd is { } end && at > end)) return (null, []);
        var sent = k.Kills.Where(c => started is null || started <= c.At.AddSeconds(1)).ToList();
        return (status.IsSignal ? sent.LastOrDefault(c => c.Signal == status.Value) : null, sent);
    }
}
