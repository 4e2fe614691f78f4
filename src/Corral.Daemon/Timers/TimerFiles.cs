using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corral.Daemon.Timers;

/// <summary>
/// An active timer as the daemon writes it down, so a daemon started after this one was killed
/// (or re-executed) takes the timer over where it was: since when it is active, when it last
/// triggered, which one-time triggers are spent. Monotonic times are only good within one boot
/// (<see cref="BootId"/>); a record of another boot is dropped.
/// </summary>
internal sealed record TimerRecord
{
    public required string BootId { get; init; }
    public DateTimeOffset ActivatedRealtime { get; init; }
    public long ActivatedMonotonicUs { get; init; }
    public DateTimeOffset? LastTriggerRealtime { get; init; }
    public long? LastTriggerMonotonicUs { get; init; }
    public List<int> Spent { get; init; } = [];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TimerRecord))]
internal sealed partial class TimerJson : JsonSerializerContext;

/// <summary>
/// Where timers keep what outlives the daemon, in &lt;state-dir&gt;/timers: NAME.json, the record of an
/// active timer (removed when it stops), and stamp-NAME, Persistent='s stamp, whose modification
/// time is when the timer last triggered (or was first started): systemd's
/// /var/lib/systemd/timers/stamp-NAME. Names are unit names, checked: no '/' can be in them.
/// A write that fails (a full disk) throws what the disk said; the caller says it and goes on.
/// </summary>
internal sealed class TimerFiles(string dir)
{
    public string Dir => dir;

    private string RecordPath(string timer) => Path.Combine(dir, timer + ".json");

    public string StampPath(string timer) => Path.Combine(dir, "stamp-" + timer);

    public void Write(string timer, TimerRecord record)
    {
        Directory.CreateDirectory(dir);
        Core.AtomicFile.Write(RecordPath(timer), JsonSerializer.SerializeToUtf8Bytes(record, TimerJson.Default.TimerRecord));
    }

    public void Delete(string timer)
    {
        try { File.Delete(RecordPath(timer)); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { Console.Error.WriteLine($"corral: {timer}: cannot remove its record: {e.Message}"); }
    }

    /// <summary>Every record, by timer; one that cannot be read is removed, and said.</summary>
    public Dictionary<string, TimerRecord> LoadAll()
    {
        var all = new Dictionary<string, TimerRecord>(StringComparer.Ordinal);
        if (!Directory.Exists(dir)) return all;
        foreach (var file in Directory.EnumerateFiles(dir, "*.timer.json"))
        {
            string name = Path.GetFileName(file)[..^".json".Length];
            try
            {
                if (new FileInfo(file).Length > 64 << 10) throw new JsonException("larger than 64 KiB");
                if (JsonSerializer.Deserialize(File.ReadAllBytes(file), TimerJson.Default.TimerRecord) is { } r) all[name] = r;
            }
            catch (Exception e) when (e is JsonException || Core.FileErrors.Is(e))
            {
                Console.Error.WriteLine($"corral: {file}: the timer's record cannot be read ({e.Message}); it is dropped");
                Delete(name);
            }
        }
        return all;
    }

    /// <summary>Persistent='s stamp: when the timer last triggered; null when it has none.</summary>
    public DateTimeOffset? Stamp(string timer)
    {
        var info = new FileInfo(StampPath(timer));
        return info.Exists ? new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero) : null;
    }

    /// <summary>Sets the stamp to <paramref name="at"/>, making it if needed.</summary>
    public void Touch(string timer, DateTimeOffset at)
    {
        Directory.CreateDirectory(dir);
        string path = StampPath(timer);
        using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write)) { }
        File.SetLastWriteTimeUtc(path, at.UtcDateTime);
    }
}
