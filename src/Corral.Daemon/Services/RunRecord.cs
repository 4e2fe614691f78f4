using System.Text.Json;
using System.Text.Json.Serialization;

namespace Corral.Daemon.Services;

/// <summary>
/// What a daemon killed with SIGKILL leaves for the next one about a run: &lt;state-dir&gt;/runs/&lt;unit&gt;.json.
/// A process is named by pid and start time (clock ticks since boot) together, so a pid reused
/// since is never taken for it.
/// </summary>
internal sealed record RunRecord
{
    public required string Unit { get; init; }
    /// <summary>running, stopping or auto-restart.</summary>
    public required string State { get; init; }
    public int MainPid { get; init; }
    public ulong MainStart { get; init; }
    public string? MainComm { get; init; }
    /// <summary>The output pipes' identities ("pipe:[INODE]"): the next daemon opens them again from the service's processes.</summary>
    public string? StdoutPipe { get; init; }
    public string? StderrPipe { get; init; }
    public int NRestarts { get; init; }
    public string Result { get; init; } = "success";
    /// <summary>The verb and caller behind a stop in progress, for the death records.</summary>
    public string? JobVerb { get; init; }
    public int? JobUid { get; init; }
    /// <summary>What started the run when no request did (a timer).</summary>
    public string? StartedBy { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(RunRecord))]
internal sealed partial class RunJson : JsonSerializerContext;

/// <summary>The run records of the state directory: written atomically (temporary file, then rename) at each change.</summary>
internal sealed class RunStore(string dir)
{
    public string Dir { get; } = dir;

    /// <summary>The daemon's heartbeat file: its time says when the daemon was last alive.</summary>
    public string Heartbeat => Path.Combine(Dir, "heartbeat");

    /// <summary>Writes the record atomically, mode 0600; on failure (a full disk) nothing half-written is left and IOException says why.</summary>
    public void Write(RunRecord r)
    {
        Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Core.AtomicFile.Write(PathOf(r.Unit), JsonSerializer.SerializeToUtf8Bytes(r, RunJson.Default.RunRecord), Core.AtomicFile.OwnerOnly);
    }

    public void Delete(string unit) => File.Delete(PathOf(unit));

    public List<RunRecord> LoadAll()
    {
        var list = new List<RunRecord>();
        if (!Directory.Exists(Dir)) return list;
        foreach (var file in Directory.GetFiles(Dir, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), RunJson.Default.RunRecord) is { } r) list.Add(r);
            }
            catch (JsonException e)
            {
                Console.Error.WriteLine($"corral: {file}: not a run record, ignored: {e.Message}");
            }
        }
        return list;
    }

    public void Beat()
    {
        try
        {
            if (!File.Exists(Heartbeat)) { Directory.CreateDirectory(Dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); File.WriteAllText(Heartbeat, ""); }
            File.SetLastWriteTimeUtc(Heartbeat, DateTime.UtcNow);
        }
        catch (IOException) { }
    }

    /// <summary>When the previous daemon was last alive (its last heartbeat), if known.</summary>
    public DateTimeOffset? LastBeat() => File.Exists(Heartbeat) ? new DateTimeOffset(File.GetLastWriteTimeUtc(Heartbeat), TimeSpan.Zero) : null;

    private string PathOf(string unit) => Path.Combine(Dir, unit + ".json");
}
