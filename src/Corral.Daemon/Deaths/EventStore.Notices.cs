using Corral.Daemon.Notices;

namespace Corral.Daemon.Deaths;

/// <summary>The notices table: everything Corral noticed that is not a death, kept like the deaths.</summary>
internal sealed partial class EventStore
{
    private int _noticesSinceTrim;

    public event Action<Notice>? NoticeAdded;

    private void CreateNoticesTable() => Execute("""
        CREATE TABLE IF NOT EXISTS notices (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at_us   INTEGER NOT NULL,
            unit    TEXT,
            kind    TEXT    NOT NULL,
            pid     INTEGER,
            count   INTEGER,
            message TEXT    NOT NULL
        );
        CREATE INDEX IF NOT EXISTS notices_by_unit ON notices (unit, id);
        """);

    /// <summary>Records a notice: written at once, or held in memory when the database cannot take it (EventStore.Held.cs).</summary>
    public Notice Add(Notice n) => Write([n])[0] as Notice ?? n;

    private Notice InsertNotice(Notice n)
    {
        Notice stored;
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "INSERT INTO notices (at_us, unit, kind, pid, count, message) VALUES ($at, $unit, $kind, $pid, $count, $msg) RETURNING id";
            cmd.Parameters.AddWithValue("$at", ToUs(n.At)!);
            cmd.Parameters.AddWithValue("$unit", (object?)n.Unit ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$kind", n.Kind);
            cmd.Parameters.AddWithValue("$pid", (object?)n.Pid ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$count", (object?)n.Count ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$msg", n.Message);
            stored = n with { Id = (long)cmd.ExecuteScalar()! };
            CountNotice(stored);
            if (++_noticesSinceTrim >= 1000)
            {
                _noticesSinceTrim = 0;
                Trim($"DELETE FROM notices WHERE id <= (SELECT MAX(id) FROM notices) - {Retention}");
            }
        }
        return stored;
    }

    /// <summary>Notices newest first (or oldest first after <paramref name="afterId"/>), filtered by unit, kind and time.</summary>
    public List<Notice> QueryNotices(string? unit, string? kind, DateTimeOffset? since, long? afterId, int limit)
    {
        lock (_readGate)
        {
            using var cmd = Reader().CreateCommand();
            var where = new List<string>();
            if (kind is not null) { where.Add("kind = $kind"); cmd.Parameters.AddWithValue("$kind", kind); }
            PageQuery(cmd, "SELECT id, at_us, unit, kind, pid, count, message FROM notices", where, "at_us", unit, since, afterId, limit);
            var list = new List<Notice>();
            using var r = cmd.ExecuteReader();
            while (r.Read())
                list.Add(new Notice(r.GetString(3), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(6))
                {
                    Id = r.GetInt64(0),
                    At = FromUs(r.GetInt64(1))!.Value,
                    Pid = r.IsDBNull(4) ? null : r.GetInt32(4),
                    Count = r.IsDBNull(5) ? null : r.GetInt64(5),
                });
            return list;
        }
    }
}
