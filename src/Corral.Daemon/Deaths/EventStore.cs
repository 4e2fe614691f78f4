using Corral.Core.Deaths;
using Corral.Core.State;
using Microsoft.Data.Sqlite;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Death records in SQLite at &lt;state-dir&gt;/corral.db, WAL mode: a record is committed the moment it
/// is complete, and a daemon killed with SIGKILL loses none that was committed. The oldest records
/// beyond <see cref="Retention"/> are deleted. Notices (EventStore.Notices.cs) live in the same
/// database. Schema: docs/events.md.
/// </summary>
internal sealed partial class EventStore : IDisposable
{
    // The writing connection, with the counters and the held records: writers (the death recorder,
    // notices) take _gate. Readers (events, the page, /metrics) never do: they query on a connection
    // of their own under _readGate, which WAL lets read while a write is under way.
    private SqliteConnection _db = null!;
    private readonly string _path;
    private int _generation; // how many times a corrupt store was replaced while in use
    private readonly object _gate = new();
    private SqliteConnection? _reader;
    private int _readerGeneration;
    private readonly object _readGate = new();
    private int _sinceTrim;

    /// <summary>rw-r-----: records name users, command lines and senders; they are not for every user of the machine.</summary>
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>Opens the store; throws StoreCorruptException when SQLite finds it corrupt, or not a database.</summary>
    public EventStore(string path, int retention = 100_000)
    {
        Retention = retention;
        _path = path;
        Connect();
    }

    private void Connect()
    {
        Protect(_path);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        try
        {
            _db.Open();
            Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;");
            CreateSchema();
            _deathCounts.Clear();
            _noticeCounts.Clear();
            LoadCounts(); // reads every record: a damaged table shows here
        }
        catch (SqliteException e) when (IsCorrupt(e))
        {
            _db.Dispose();
            throw new StoreCorruptException(_path, e.Message);
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    private static bool IsCorrupt(SqliteException e) => e.SqliteErrorCode is 11 or 26; // SQLITE_CORRUPT, SQLITE_NOTADB

    /// <summary>
    /// Opens the store; one that is corrupt is moved aside as &lt;path&gt;.corrupt-TIMESTAMP (with its
    /// -wal and -shm files) and a fresh one started, which says so in a notice: the services matter
    /// more than the history, and the history is kept for whoever wants to rescue it. A corruption
    /// found later — by <see cref="CheckInBackground"/>, or by a write — is handled the same way.
    /// </summary>
    public static EventStore OpenOrRecover(string path, int retention)
    {
        try
        {
            return new EventStore(path, retention);
        }
        catch (StoreCorruptException e)
        {
            string message = MoveAside(path, e.Message);
            var store = new EventStore(path, retention);
            store.Add(new Notices.Notice(Notices.NoticeKinds.StoreRecovered, null, message));
            return store;
        }
    }

    private static string MoveAside(string path, string why)
    {
        string aside = $"{path}.corrupt-{DateTime.Now:yyyyMMdd-HHmmss}";
        foreach (var suffix in new[] { "", "-wal", "-shm" })
            if (File.Exists(path + suffix)) File.Move(path + suffix, aside + suffix);
        string message = $"{why}; it was moved aside to {aside} and a fresh event store started (sqlite3 {aside} '.recover' may rescue its records)";
        Console.Error.WriteLine($"corral: {message}");
        return message;
    }

    /// <summary>
    /// Under the lock: the store in use turned out corrupt. It is closed, moved aside, and a fresh
    /// one opened in its place (the counters start again from it); returns the notice, written.
    /// </summary>
    private Notices.Notice RecoverLocked(string detail)
    {
        Interlocked.Increment(ref _generation);
        _db.Dispose();
        string message = MoveAside(_path, new StoreCorruptException(_path, detail).Message);
        Connect();
        return InsertNotice(new Notices.Notice(Notices.NoticeKinds.StoreRecovered, null, message));
    }

    /// <summary>
    /// SQLite's quick check of every page, on a read-only connection of its own so that records go on
    /// being written meanwhile (it reads the whole file: about 0.4 s for 100 000 records, more from a
    /// cold disk — too long for the start-up path). A corrupt store is replaced as at start.
    /// </summary>
    public Task CheckInBackground() => Task.Run(() =>
    {
        int generation;
        lock (_gate) generation = _generation;
        string? damage;
        try
        {
            using var ro = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            ro.Open();
            using var cmd = ro.CreateCommand();
            cmd.CommandText = "PRAGMA quick_check(3)";
            var findings = new List<string>();
            using (var r = cmd.ExecuteReader())
                while (r.Read()) findings.Add(r.GetString(0));
            damage = findings is ["ok"] ? null : string.Join("; ", findings);
        }
        catch (SqliteException e) when (IsCorrupt(e))
        {
            damage = e.Message;
        }
        catch (SqliteException e)
        {
            Console.Error.WriteLine($"corral: the quick check of {_path} could not run: {e.Message}");
            return;
        }
        if (damage is null) return;
        Notices.Notice told;
        lock (_gate)
        {
            if (generation != _generation) return; // a write met the damage first and replaced the store already
            told = RecoverLocked(damage);
        }
        NoticeAdded?.Invoke(told);
    });

    /// <summary>The database and its -wal and -shm (which SQLite creates with the database's mode) readable by root and its group only.</summary>
    private static void Protect(string path)
    {
        if (!File.Exists(path))
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
            return;
        }
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            var f = path + suffix;
            if (File.Exists(f) && (File.GetUnixFileMode(f) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
                File.SetUnixFileMode(f, File.GetUnixFileMode(f) & ~(UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute));
        }
    }

    private void CreateSchema()
    {
        Execute("""
            CREATE TABLE IF NOT EXISTS deaths (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                unit          TEXT    NOT NULL,
                pid           INTEGER NOT NULL,
                role          TEXT    NOT NULL,
                comm          TEXT    NOT NULL,
                cmdline       TEXT,
                started_us    INTEGER,
                ended_us      INTEGER NOT NULL,
                code          INTEGER NOT NULL,
                status        INTEGER NOT NULL,
                cause         TEXT    NOT NULL,
                reason        TEXT,
                sender_pid    INTEGER,
                sender_comm   TEXT,
                sender_uid    INTEGER,
                sender_user   TEXT,
                sender_unit   TEXT,
                corral_signal INTEGER,
                corral_verb   TEXT,
                corral_uid    INTEGER,
                corral_reason TEXT,
                corral_us     INTEGER,
                oom_scope     TEXT,
                oom_total_vm_kb  INTEGER,
                oom_anon_rss_kb  INTEGER,
                oom_file_rss_kb  INTEGER,
                oom_shmem_rss_kb INTEGER,
                oom_score_adj INTEGER,
                oom_limit     INTEGER,
                oom_peak      INTEGER
            );
            CREATE INDEX IF NOT EXISTS deaths_by_unit ON deaths (unit, id);
            CREATE TABLE IF NOT EXISTS corral_signals (
                death_id  INTEGER NOT NULL REFERENCES deaths (id) ON DELETE CASCADE,
                seq       INTEGER NOT NULL,
                signal    INTEGER NOT NULL,
                verb      TEXT    NOT NULL,
                uid       INTEGER,
                reason    TEXT    NOT NULL,
                sent_us   INTEGER NOT NULL,
                PRIMARY KEY (death_id, seq)
            );
            """);
        CreateNoticesTable();
    }

    public int Retention { get; }

    public event Action<DeathRecord>? Added;

    /// <summary>Records a death: written at once, or held in memory when the database cannot take it (EventStore.Held.cs).</summary>
    public DeathRecord Add(DeathRecord r) => Write([r])[0] as DeathRecord ?? r;

    /// <summary>Records deaths in one transaction (one commit for a whole stop's worth), or each held as Add would.</summary>
    public void AddDeaths(IReadOnlyList<DeathRecord> records) => Write(records);

    /// <param name="batch">the transaction of a batch being written; null to write this one in its own</param>
    private DeathRecord InsertDeath(DeathRecord r, SqliteTransaction? batch = null)
    {
        DeathRecord stored;
        {
            using var cmd = _db.CreateCommand();
            cmd.CommandText = """
                INSERT INTO deaths (unit, pid, role, comm, cmdline, started_us, ended_us, code, status, cause, reason,
                    sender_pid, sender_comm, sender_uid, sender_user, sender_unit, corral_signal, corral_verb, corral_uid, corral_reason, corral_us,
                    oom_scope, oom_total_vm_kb, oom_anon_rss_kb, oom_file_rss_kb, oom_shmem_rss_kb, oom_score_adj, oom_limit, oom_peak)
                VALUES ($unit, $pid, $role, $comm, $cmdline, $started, $ended, $code, $status, $cause, $reason,
                    $spid, $scomm, $suid, $suser, $sunit, $csig, $cverb, $cuid, $creason, $cat,
                    $oscope, $ovm, $oanon, $ofile, $oshmem, $oadj, $olimit, $opeak)
                RETURNING id
                """;
            var p = cmd.Parameters;
            p.AddWithValue("$unit", r.Unit);
            p.AddWithValue("$pid", r.Pid);
            p.AddWithValue("$role", r.Role);
            p.AddWithValue("$comm", r.Comm);
            p.AddWithValue("$cmdline", (object?)r.Cmdline ?? DBNull.Value);
            p.AddWithValue("$started", (object?)ToUs(r.StartedAt) ?? DBNull.Value);
            p.AddWithValue("$ended", ToUs(r.EndedAt)!);
            p.AddWithValue("$code", (int)r.Status.Code);
            p.AddWithValue("$status", r.Status.Value);
            p.AddWithValue("$cause", DeathCauseNames.Format(r.Cause));
            p.AddWithValue("$reason", (object?)r.Reason ?? DBNull.Value);
            p.AddWithValue("$spid", (object?)r.Sender?.Pid ?? DBNull.Value);
            p.AddWithValue("$scomm", (object?)r.Sender?.Comm ?? DBNull.Value);
            p.AddWithValue("$suid", (object?)r.Sender?.Uid ?? DBNull.Value);
            p.AddWithValue("$suser", (object?)r.Sender?.User ?? DBNull.Value);
            p.AddWithValue("$sunit", (object?)r.Sender?.Unit ?? DBNull.Value);
            p.AddWithValue("$csig", (object?)r.CorralKill?.Signal ?? DBNull.Value);
            p.AddWithValue("$cverb", (object?)r.CorralKill?.Verb ?? DBNull.Value);
            p.AddWithValue("$cuid", (object?)r.CorralKill?.CallerUid ?? DBNull.Value);
            p.AddWithValue("$creason", (object?)r.CorralKill?.Reason ?? DBNull.Value);
            p.AddWithValue("$cat", (object?)ToUs(r.CorralKill?.At) ?? DBNull.Value);
            p.AddWithValue("$oscope", (object?)r.Oom?.Scope ?? DBNull.Value);
            p.AddWithValue("$ovm", (object?)r.Oom?.TotalVmKb ?? DBNull.Value);
            p.AddWithValue("$oanon", (object?)r.Oom?.AnonRssKb ?? DBNull.Value);
            p.AddWithValue("$ofile", (object?)r.Oom?.FileRssKb ?? DBNull.Value);
            p.AddWithValue("$oshmem", (object?)r.Oom?.ShmemRssKb ?? DBNull.Value);
            p.AddWithValue("$oadj", (object?)r.Oom?.OomScoreAdj ?? DBNull.Value);
            p.AddWithValue("$olimit", r.Oom?.LimitBytes is { } lim ? (object)(long)lim : DBNull.Value);
            p.AddWithValue("$opeak", r.Oom?.PeakBytes is { } pk ? (object)(long)pk : DBNull.Value);
            // A batch's transaction belongs to the batch; otherwise this record's is disposed here (rolled back unless committed).
            using var own = batch is null ? _db.BeginTransaction() : null;
            var tx = batch ?? own!;
            cmd.Transaction = tx;
            stored = r with { Id = (long)cmd.ExecuteScalar()! };
            for (int i = 0; i < r.CorralKills.Count; i++)
            {
                var k = r.CorralKills[i];
                using var ins = _db.CreateCommand();
                ins.Transaction = tx;
                ins.CommandText = "INSERT INTO corral_signals VALUES ($id, $seq, $sig, $verb, $uid, $reason, $at)";
                ins.Parameters.AddWithValue("$id", stored.Id);
                ins.Parameters.AddWithValue("$seq", i);
                ins.Parameters.AddWithValue("$sig", k.Signal);
                ins.Parameters.AddWithValue("$verb", k.Verb);
                ins.Parameters.AddWithValue("$uid", (object?)k.CallerUid ?? DBNull.Value);
                ins.Parameters.AddWithValue("$reason", k.Reason);
                ins.Parameters.AddWithValue("$at", ToUs(k.At)!);
                ins.ExecuteNonQuery();
            }
            if (own is not null)
            {
                own.Commit();
                Inserted(stored);
            }
        }
        return stored;
    }

    /// <summary>Counts a death once its row is committed, and trims past the retention every 1000.</summary>
    private void Inserted(DeathRecord stored)
    {
        CountDeath(stored);
        if (++_sinceTrim >= 1000)
        {
            _sinceTrim = 0;
            Trim($"DELETE FROM corral_signals WHERE death_id <= (SELECT MAX(id) FROM deaths) - {Retention}; DELETE FROM deaths WHERE id <= (SELECT MAX(id) FROM deaths) - {Retention}");
        }
    }

    /// <summary>Deletes what is past the retention; a failure (a full disk) is tried again at the next trim, it loses nothing.</summary>
    private void Trim(string sql)
    {
        try { Execute(sql); }
        catch (SqliteException e) { Console.Error.WriteLine($"corral: cannot trim the event store: {e.Message}"); }
    }

    /// <summary>Records newest first (or oldest first after <paramref name="afterId"/>), filtered by unit, roles and time.</summary>
    /// <param name="causes">the causes wanted ("exit", "oom-kill" …); none is all</param>
    /// <param name="hideCleanExits">leave out processes other than main and control that exited 0</param>
    public List<DeathRecord> Query(string? unit, IReadOnlyCollection<string>? roles, DateTimeOffset? since, long? afterId, int limit,
        IReadOnlyCollection<string>? causes = null, bool hideCleanExits = false)
    {
        lock (_readGate)
        {
            var db = Reader();
            using var cmd = db.CreateCommand();
            var where = new List<string>();
            if (RoleFilter(cmd, roles) is { } role) where.Add(role);
            if (causes is { Count: > 0 })
                where.Add("cause IN (" + string.Join(',', causes.Select((c, i) => { cmd.Parameters.AddWithValue($"$c{i}", c); return $"$c{i}"; })) + ")");
            if (hideCleanExits) where.Add($"NOT (role = 'process' AND code = {(int)ExitCode.Exited} AND status = 0)");
            PageQuery(cmd, "SELECT * FROM deaths", where, "ended_us", unit, since, afterId, limit);
            return ReadDeaths(db, cmd);
        }
    }

    /// <summary>"role IN ($r0, …)" with its parameters added to the command; null when every role is wanted.</summary>
    private static string? RoleFilter(SqliteCommand cmd, IReadOnlyCollection<string>? roles) =>
        roles is { Count: > 0 }
            ? "role IN (" + string.Join(',', roles.Select((r, i) => { cmd.Parameters.AddWithValue($"$r{i}", r); return $"$r{i}"; })) + ")"
            : null;

    /// <summary>The records a SELECT * FROM deaths returns, each with the signals Corral sent before it.</summary>
    private static List<DeathRecord> ReadDeaths(SqliteConnection db, SqliteCommand cmd)
    {
        var list = new List<DeathRecord>();
        using (var reader = cmd.ExecuteReader())
            while (reader.Read()) list.Add(Read(reader));
        return list.Select(d => d with { CorralKills = SignalsOf(db, d.Id) }).ToList();
    }

    private static List<CorralKill> SignalsOf(SqliteConnection db, long deathId)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT signal, verb, uid, reason, sent_us FROM corral_signals WHERE death_id = $id ORDER BY seq";
        cmd.Parameters.AddWithValue("$id", deathId);
        using var r = cmd.ExecuteReader();
        var list = new List<CorralKill>();
        while (r.Read())
            list.Add(new CorralKill(r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetInt32(2), r.GetString(3), FromUs(r.GetInt64(4))!.Value));
        return list;
    }

    private static DeathRecord Read(SqliteDataReader r)
    {
        string? S(string c) => r.IsDBNull(r.GetOrdinal(c)) ? null : r.GetString(r.GetOrdinal(c));
        long? L(string c) => r.IsDBNull(r.GetOrdinal(c)) ? null : r.GetInt64(r.GetOrdinal(c));
        return new DeathRecord
        {
            Id = L("id")!.Value,
            Unit = S("unit")!,
            Pid = (int)L("pid")!.Value,
            Role = S("role")!,
            Comm = S("comm")!,
            Cmdline = S("cmdline"),
            StartedAt = FromUs(L("started_us")),
            EndedAt = FromUs(L("ended_us"))!.Value,
            Status = new ExitStatus((ExitCode)L("code")!.Value, (int)L("status")!.Value),
            Cause = DeathCauseNames.Parse(S("cause")!),
            Reason = S("reason"),
            Sender = L("sender_pid") is { } sp ? new SignalSender((int)sp, S("sender_comm") ?? "?", (int?)L("sender_uid"), S("sender_user"), S("sender_unit")) : null,
            CorralKill = L("corral_signal") is { } cs
                ? new CorralKill((int)cs, S("corral_verb") ?? "?", (int?)L("corral_uid"), S("corral_reason") ?? "", FromUs(L("corral_us")) ?? default)
                : null,
            Oom = S("oom_scope") is { } scope
                ? new OomEvidence(scope, L("oom_total_vm_kb"), L("oom_anon_rss_kb"), L("oom_file_rss_kb"), L("oom_shmem_rss_kb"), (int?)L("oom_score_adj"),
                    (ulong?)L("oom_limit"), (ulong?)L("oom_peak"))
                : null,
        };
    }

    /// <summary>
    /// Completes a query of either table: filtered by unit, time (on <paramref name="timeColumn"/>) and
    /// id, newest first — or oldest first after <paramref name="afterId"/>, to follow — at most <paramref name="limit"/>.
    /// </summary>
    private static void PageQuery(SqliteCommand cmd, string select, List<string> where, string timeColumn,
        string? unit, DateTimeOffset? since, long? afterId, int limit)
    {
        if (unit is not null) { where.Add("unit = $unit"); cmd.Parameters.AddWithValue("$unit", unit); }
        if (since is not null) { where.Add($"{timeColumn} >= $since"); cmd.Parameters.AddWithValue("$since", ToUs(since)!); }
        if (afterId is not null) { where.Add("id > $after"); cmd.Parameters.AddWithValue("$after", afterId); }
        cmd.CommandText = select + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + (afterId is null ? " ORDER BY id DESC" : " ORDER BY id ASC") + " LIMIT $limit";
        cmd.Parameters.AddWithValue("$limit", limit);
    }

    private static long? ToUs(DateTimeOffset? t) => t is { } v ? Core.Text.Microseconds.Of(v) : null;
    private static DateTimeOffset? FromUs(long? us) => us is { } v ? Core.Text.Microseconds.Time(v) : null;

    private void Execute(string sql)
    {
        using var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Under _readGate: the readers' connection, opened again after a corrupt store was replaced.</summary>
    private SqliteConnection Reader()
    {
        int generation = Volatile.Read(ref _generation);
        if (_reader is not null && _readerGeneration == generation) return _reader;
        _reader?.Dispose();
        _reader = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        _reader.Open();
        using (var cmd = _reader.CreateCommand())
        {
            cmd.CommandText = "PRAGMA busy_timeout=5000; PRAGMA query_only=1;";
            cmd.ExecuteNonQuery();
        }
        _readerGeneration = generation;
        return _reader;
    }

    public void Dispose()
    {
        lock (_gate) _db.Dispose();
        lock (_readGate) _reader?.Dispose();
    }
}

/// <summary>The event database is damaged (SQLite says corrupt, or not a database).</summary>
internal sealed class StoreCorruptException(string path, string detail)
    : Exception($"the event store {path} is corrupt ({detail})");
