using Corral.Core.Deaths;
using Corral.Core.State;
using Corral.Daemon.Deaths;

namespace Corral.Daemon.Tests;

public sealed class EventStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("corral-store-").FullName;
    private string Db => Path.Combine(_dir, "corral.db");

    private static DeathRecord Death(string unit, int pid, string role = "main", ExitStatus? status = null) => new()
    {
        Unit = unit, Pid = pid, Role = role, Comm = "sleep", Cmdline = "sleep 100",
        StartedAt = DateTimeOffset.UnixEpoch.AddSeconds(1_000_000), EndedAt = DateTimeOffset.UnixEpoch.AddSeconds(1_000_010),
        Status = status ?? ExitStatus.Killed(15), Cause = DeathCause.Corral,
        CorralKill = new CorralKill(9, "stop", 0, "TimeoutStopSec= (1s) passed", DateTimeOffset.UnixEpoch.AddSeconds(1_000_009)),
        CorralKills =
        [
            new CorralKill(15, "stop", 0, "KillSignal= to stop", DateTimeOffset.UnixEpoch.AddSeconds(1_000_008)),
            new CorralKill(9, "stop", 0, "TimeoutStopSec= (1s) passed", DateTimeOffset.UnixEpoch.AddSeconds(1_000_009)),
        ],
    };

    [Fact]
    public async Task A_store_found_damaged_by_the_background_check_is_replaced_and_records_go_on()
    {
        using (var store = new EventStore(Db))
            for (int i = 0; i < 300; i++)
                store.Add(new Notices.Notice("escaped", $"u{i % 7}.service", $"notice number {i} with some text to fill pages"));
        // Damage the notices' index only: opening reads the tables, not this index; the quick check reads every page.
        long root;
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db};Pooling=false"))
        {
            c.Open();
            using var checkpoint = c.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = 'notices_by_unit'";
            root = (long)cmd.ExecuteScalar()!;
        }
        using (var f = new FileStream(Db, FileMode.Open, FileAccess.Write))
        {
            f.Position = (root - 1) * 4096 + 8;
            f.Write(Enumerable.Repeat((byte)0x5A, 2000).ToArray());
        }

        using var reopened = new EventStore(Db);
        var told = new List<Notices.Notice>();
        reopened.NoticeAdded += told.Add;
        await reopened.CheckInBackground();

        var aside = Assert.Single(Directory.GetFiles(_dir, "corral.db.corrupt-*"));
        var notice = Assert.Single(told);
        Assert.Equal("store-recovered", notice.Kind);
        Assert.Contains(aside, notice.Message);
        var written = reopened.Add(Death("web.service", 7));
        Assert.Equal(written.Id, Assert.Single(reopened.Query("web.service", null, null, null, 10)).Id);
        Assert.Equal("store-recovered", Assert.Single(reopened.QueryNotices(null, null, null, null, 10)).Kind);
    }

    [Fact]
    public void A_record_reads_back_as_written_with_its_escalation()
    {
        using var store = new EventStore(Db);
        var written = store.Add(Death("web.service", 42));

        var read = Assert.Single(store.Query("web.service", null, null, null, 10));

        Assert.Equal(written.Id, read.Id);
        Assert.Equal(written with { CorralKills = [] }, read with { CorralKills = [] });
        Assert.Equal(written.CorralKills, read.CorralKills);
    }

    [Fact]
    public void Notices_read_back_filtered_by_unit_and_kind_and_survive_a_reopen()
    {
        var at = DateTimeOffset.UnixEpoch.AddSeconds(1_700_000_000);
        using (var store = new EventStore(Db))
        {
            store.Add(new Notices.Notice(Notices.NoticeKinds.ZombiesExceeded, "web.service", "12 zombies, more than ZombieMax=10") { At = at, Pid = 77, Count = 12 });
            store.Add(new Notices.Notice(Notices.NoticeKinds.PidPressure, null, "pids 81% of pid_max") { At = at.AddSeconds(1), Count = 810 });
            store.Add(new Notices.Notice(Notices.NoticeKinds.ZombiesCleared, "web.service", "back to 0") { At = at.AddSeconds(2), Count = 0 });
        }
        using var reopened = new EventStore(Db);
        var all = reopened.QueryNotices(null, null, null, null, 10);
        Assert.Equal([Notices.NoticeKinds.ZombiesCleared, Notices.NoticeKinds.PidPressure, Notices.NoticeKinds.ZombiesExceeded], all.Select(n => n.Kind));
        var exceeded = Assert.Single(reopened.QueryNotices("web.service", Notices.NoticeKinds.ZombiesExceeded, null, null, 10));
        Assert.Equal((77, 12L, at), (exceeded.Pid!.Value, exceeded.Count!.Value, exceeded.At));
        Assert.Null(Assert.Single(reopened.QueryNotices(null, Notices.NoticeKinds.PidPressure, null, null, 10)).Unit);
        Assert.Equal([all[1].Id, all[0].Id], reopened.QueryNotices(null, null, null, all[2].Id, 10).Select(n => n.Id));
        Assert.Equal(2, reopened.QueryNotices(null, null, at.AddSeconds(1), null, 10).Count);
    }

    [Fact]
    public void Queries_filter_by_unit_role_and_time_and_follow_after_an_id()
    {
        using var store = new EventStore(Db);
        var a = store.Add(Death("a.service", 1));
        store.Add(Death("b.service", 2));
        var c = store.Add(Death("a.service", 3, role: "process"));

        Assert.Equal([3, 1], store.Query("a.service", null, null, null, 10).Select(d => d.Pid));
        Assert.Equal([1], store.Query("a.service", ["main"], null, null, 10).Select(d => d.Pid));
        Assert.Equal([2, 3], store.Query(null, null, null, a.Id, 10).Select(d => d.Pid));
        Assert.Empty(store.Query(null, null, c.EndedAt.AddSeconds(1), null, 10));
    }

    [Fact]
    public void Records_survive_reopening_and_old_ones_go_beyond_the_retention()
    {
        using (var store = new EventStore(Db, retention: 10))
            for (int i = 0; i < 1000; i++) store.Add(Death("a.service", i));
        using var reopened = new EventStore(Db, retention: 10);
        var all = reopened.Query(null, null, null, null, 100_000);
        Assert.Equal(10, all.Count);
        Assert.Equal(999, all[0].Pid);
    }

    [Fact]
    public void Death_totals_count_by_unit_and_cause_and_retention_does_not_lower_them()
    {
        using (var store = new EventStore(Db, retention: 10))
        {
            for (int i = 0; i < 1500; i++) store.Add(Death("a.service", i));
            store.Add(Death("b.service", 1) with { Cause = DeathCause.OomKill, CorralKill = null, CorralKills = [] });
            store.Add(new Notices.Notice("escaped", "a.service", "left"));
            Assert.Equal([("a.service", "corral", 1500L), ("b.service", "oom-kill", 1L)], store.DeathCounts().Order().ToList());
            Assert.Equal([("escaped", 1L)], store.NoticeCounts());
        }
        // A new daemon starts from what the database holds (a counter reset, as for any restarted
        // exporter): the oldest were deleted at the 1000th write, down to 10, and 500 came after.
        using var reopened = new EventStore(Db, retention: 10);
        Assert.Equal([("a.service", "corral", 510L), ("b.service", "oom-kill", 1L)], reopened.DeathCounts().Order().ToList());
        Assert.Equal([("escaped", 1L)], reopened.NoticeCounts());
    }

    [Fact]
    public void The_last_death_of_each_unit()
    {
        using var store = new EventStore(Db);
        store.Add(Death("a.service", 1));
        store.Add(Death("b.service", 2));
        store.Add(Death("a.service", 3, role: "process"));
        var last = store.LastDeaths();
        Assert.Equal([("a.service", 3), ("b.service", 2)], last.Select(d => (d.Unit, d.Pid)).ToList());
        Assert.Equal(2, last[1].CorralKills.Count);
        Assert.Equal([("a.service", 1), ("b.service", 2)], store.LastDeaths(["main"]).Select(d => (d.Unit, d.Pid)).ToList());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
