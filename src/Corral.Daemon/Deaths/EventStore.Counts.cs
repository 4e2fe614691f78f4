using Corral.Core.Deaths;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Running totals for the metrics: deaths by unit and cause, notices by kind. Read once from the
/// database when it is opened, then counted as records are added, so that a scrape costs no query.
/// Deleting the oldest records (retention) does not lower them: they are counters.
/// </summary>
internal sealed partial class EventStore
{
    // Written by writers under the store's lock; read by /metrics without it.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Unit, string Cause), long> _deathCounts = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _noticeCounts = new(StringComparer.Ordinal);

    private void LoadCounts()
    {
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "SELECT unit, cause, COUNT(*) FROM deaths GROUP BY unit, cause";
            using var r = cmd.ExecuteReader();
            while (r.Read()) _deathCounts[(r.GetString(0), r.GetString(1))] = r.GetInt64(2);
        }
        using (var cmd = _db.CreateCommand())
        {
            cmd.CommandText = "SELECT kind, COUNT(*) FROM notices GROUP BY kind";
            using var r = cmd.ExecuteReader();
            while (r.Read()) _noticeCounts[r.GetString(0)] = r.GetInt64(1);
        }
    }

    private void CountDeath(DeathRecord r)
    {
        var key = (r.Unit, DeathCauseNames.Format(r.Cause));
        _deathCounts[key] = _deathCounts.GetValueOrDefault(key) + 1;
    }

    private void CountNotice(Notices.Notice n) => _noticeCounts[n.Kind] = _noticeCounts.GetValueOrDefault(n.Kind) + 1;

    /// <summary>Deaths recorded by unit and cause (exit, signal, oom-kill, corral, kernel, seccomp, unknown).</summary>
    public List<(string Unit, string Cause, long Count)> DeathCounts()
    {
        return _deathCounts.Select(kv => (kv.Key.Unit, kv.Key.Cause, kv.Value)).ToList();
    }

    /// <summary>Notices raised, by kind.</summary>
    public List<(string Kind, long Count)> NoticeCounts()
    {
        return _noticeCounts.Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>The newest death record of each unit, of the given roles (all when none): the page's "last death" column.</summary>
    public List<DeathRecord> LastDeaths(IReadOnlyCollection<string>? roles = null)
    {
        lock (_readGate)
        {
            var db = Reader();
            using var cmd = db.CreateCommand();
            string where = RoleFilter(cmd, roles) is { } role ? " WHERE " + role : "";
            cmd.CommandText = $"SELECT * FROM deaths WHERE id IN (SELECT MAX(id) FROM deaths{where} GROUP BY unit) ORDER BY unit";
            return ReadDeaths(db, cmd);
        }
    }
}
