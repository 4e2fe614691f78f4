using Corral.Core.Deaths;
using Corral.Daemon.Notices;
using Microsoft.Data.Sqlite;

namespace Corral.Daemon.Deaths;

/// <summary>
/// Records the database cannot take (its disk is full, over quota, failing) are held in memory, in
/// order, and written first as soon as a write succeeds again: at the next record, or at the health
/// monitor's next tick (<see cref="RetryHeld"/>). A notice, held with them, says from when and why;
/// another says when they were written. At most <see cref="MaxHeld"/> are held: past that the oldest
/// go, counted, and the second notice says how many.
/// </summary>
internal sealed partial class EventStore
{
    public const int MaxHeld = 10_000;

    private readonly Queue<object> _held = new();
    // The store-recovered notice of a corruption met by a write, told to listeners with what was written.
    private Notice? _recovered;
    private DateTimeOffset? _holdingSince;
    private long _heldDropped, _heldDroppedTotal;
    // _held.Count as last changed under the lock, for readers that do not take it (/metrics, the monitor).
    private int _heldCount;

    /// <summary>Records held in memory now, waiting for room in the database.</summary>
    public int Held => Volatile.Read(ref _heldCount);

    /// <summary>Held records that were dropped because too many were held, since the daemon started.</summary>
    public long HeldDropped => Interlocked.Read(ref _heldDroppedTotal);

    /// <summary>Writes what is held, if anything; called by the health monitor at every tick.</summary>
    public void RetryHeld()
    {
        if (Held == 0) return;
        Write([]);
    }

    /// <summary>
    /// Writes what is held, then <paramref name="records"/> (DeathRecords and Notices): several deaths
    /// in one transaction, else — one record, or a transaction that failed — each on its own. A
    /// record the database cannot take is held, and so is every one after it, so that they are
    /// written in order. Returns each record's stored copy with its id, or null where it was held or
    /// refused. Listeners hear of each record written.
    /// </summary>
    private object?[] Write(IReadOnlyList<object> records)
    {
        var written = new List<object>();
        var stored = new object?[records.Count];
        lock (_gate)
        {
            bool open = TryWriteHeld(written);
            if (open && records.Count > 1 && records.All(r => r is DeathRecord) && TryInsertBatch(records.Cast<DeathRecord>()) is { } batch)
            {
                for (int i = 0; i < batch.Count; i++) stored[i] = batch[i];
                written.AddRange(batch);
            }
            else
            {
                for (int i = 0; i < records.Count; i++)
                {
                    var (result, failure) = open ? TryInsert(records[i], out stored[i]) : (Outcome.Full, "records held before it are not written yet");
                    if (result == Outcome.Written) written.Add(stored[i]!);
                    else if (result == Outcome.Full)
                    {
                        Hold(records[i], failure!);
                        open = false;
                    }
                }
            }
            if (_recovered is { } told) written.Insert(0, told);
            _recovered = null;
        }
        Tell(written);
        return stored;
    }

    /// <summary>The stored records, or null when the transaction failed (nothing of it was written).</summary>
    private List<DeathRecord>? TryInsertBatch(IEnumerable<DeathRecord> records)
    {
        var stored = new List<DeathRecord>();
        try
        {
            using var tx = _db.BeginTransaction();
            foreach (var r in records) stored.Add(InsertDeath(r, tx));
            tx.Commit();
        }
        catch (SqliteException)
        {
            return null;
        }
        foreach (var s in stored) Inserted(s);
        return stored;
    }

    /// <summary>Listeners hear of each record written, in order, outside the store's lock.</summary>
    private void Tell(List<object> written)
    {
        foreach (var w in written)
        {
            if (w is DeathRecord d) Added?.Invoke(d);
            else if (w is Notice n) NoticeAdded?.Invoke(n);
        }
    }

    private enum Outcome { Written, Full, Rejected }

    /// <summary>
    /// Inserts one record. SQLite's busy, locked, read-only, I/O, full and cannot-open errors are the
    /// disk's (Full: hold and try again); any other refuses this record alone, which is reported and
    /// dropped so that it cannot keep every later record out.
    /// </summary>
    private (Outcome Result, string? Failure) TryInsert(object record, out object? stored, bool afterRecovery = false)
    {
        try
        {
            stored = record is DeathRecord d ? InsertDeath(d) : InsertNotice((Notice)record);
            return (Outcome.Written, null);
        }
        catch (SqliteException e) when (IsCorrupt(e) && !afterRecovery)
        {
            // The store itself is damaged, not this record: a fresh one takes its place, and the record goes there.
            _recovered = RecoverLocked(e.Message);
            return TryInsert(record, out stored, afterRecovery: true);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6 or 8 or 10 or 13 or 14)
        {
            stored = null;
            return (Outcome.Full, e.Message);
        }
        catch (SqliteException e)
        {
            stored = null;
            Console.Error.WriteLine($"corral: a record was refused by the event store and is lost: {e.Message}: {record}");
            return (Outcome.Rejected, e.Message);
        }
    }

    /// <summary>Writes the held records in order until one fails; true when none is left.</summary>
    private bool TryWriteHeld(List<object> written)
    {
        if (_held.Count == 0) return true;
        int count = _held.Count;
        while (_held.TryPeek(out var next))
        {
            var (result, _) = TryInsert(next, out var stored);
            if (result == Outcome.Full) return false;
            _held.Dequeue();
            Volatile.Write(ref _heldCount, _held.Count);
            if (result == Outcome.Written) written.Add(stored!);
        }
        string dropped = _heldDropped > 0 ? $"; {_heldDropped} more were lost, past the {MaxHeld} that can be held" : "";
        var notice = new Notice(NoticeKinds.RecordsWritten, null,
            $"{count} records held in memory since {(_holdingSince is { } hs ? Core.Text.TimeText.Clock(hs) : "?")} were written to {_db.DataSource}{dropped}") { Count = count };
        if (TryInsert(notice, out var told).Result == Outcome.Written) written.Add(told!);
        Console.Error.WriteLine($"corral: {notice.Message}");
        (_holdingSince, _heldDropped) = (null, 0);
        return true;
    }

    private void Hold(object record, string failure)
    {
        if (_holdingSince is null)
        {
            _holdingSince = DateTimeOffset.Now;
            string message = $"the event store {_db.DataSource} cannot be written ({failure}): death records and notices are held in memory (at most {MaxHeld}) and written when it can be";
            Console.Error.WriteLine($"corral: {message}");
            _held.Enqueue(new Notice(NoticeKinds.RecordsHeld, null, message));
        }
        if (_held.Count >= MaxHeld)
        {
            _held.Dequeue();
            _heldDropped++;
            Interlocked.Increment(ref _heldDroppedTotal);
        }
        _held.Enqueue(record);
        Volatile.Write(ref _heldCount, _held.Count);
    }
}
