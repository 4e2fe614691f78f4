using System.Text.Json;
using System.Text.Json.Serialization;
using Corral.Daemon.Deaths;
using Corral.Daemon.Services;

namespace Corral.Daemon.Reexec;

/// <summary>
/// What one program image of the daemon hands the next (daemon-reexec) beyond its descriptors and
/// the run records: the processes it followed, the starts of lines it had read without their
/// newline, and its trace instance. Written to &lt;state-dir&gt;/handover.json (mode 0600) just
/// before the exec, read and removed by the new image before it reads any event.
/// </summary>
internal sealed record HandoverState
{
    public List<HandedProcess> Processes { get; init; } = [];
    public Dictionary<string, PartialLines> PartialLines { get; init; } = new(StringComparer.Ordinal);
    /// <summary>The trace instance's directory and whether the daemon mounted tracefs for it; null without tracing.</summary>
    public string? TraceInstance { get; init; }
    public bool TraceMounted { get; init; }
    /// <summary>When the previous image stopped watching its timers: what elapsed since is made up by the new one.</summary>
    public DateTimeOffset? HandedAt { get; init; }
    /// <summary>The active socket units, whose descriptors are handed over as "socket/NAME/INDEX".</summary>
    public Dictionary<string, Sockets.HandedSocket> Sockets { get; init; } = new(StringComparer.Ordinal);
    /// <summary>Each unit's fd store: the names of its descriptors, handed over as "fdstore/UNIT/INDEX".</summary>
    public Dictionary<string, List<string>> FdStores { get; init; } = new(StringComparer.Ordinal);

    public static string FdStoreName(string unit, int index) => $"fdstore/{unit}/{index}";

    public static string PathIn(string stateDir) => Path.Combine(stateDir, "handover.json");

    /// <summary>Written whole or not at all (a temporary file renamed); throws what the disk said.</summary>
    public void Write(string stateDir)
    {
        Core.AtomicFile.Write(PathIn(stateDir), JsonSerializer.SerializeToUtf8Bytes(this, HandoverJson.Default.HandoverState), Core.AtomicFile.OwnerOnly, durable: true);
    }

    /// <summary>The state left for this image, removed as it is read; an empty one (and why) when it is missing or unreadable.</summary>
    public static HandoverState Take(string stateDir)
    {
        string path = PathIn(stateDir);
        try
        {
            var s = JsonSerializer.Deserialize(File.ReadAllBytes(path), HandoverJson.Default.HandoverState);
            return s ?? new HandoverState();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            Console.Error.WriteLine($"corral: {path}: the previous image's state cannot be read ({e.Message}); its processes are found again from their cgroups");
            return new HandoverState();
        }
        finally
        {
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    public static void Remove(string stateDir)
    {
        try { File.Delete(PathIn(stateDir)); } catch (IOException) { }
    }
}

/// <summary>A process the lineage followed (see <see cref="TrackedProcess"/>).</summary>
internal sealed record HandedProcess(int Pid, string Unit, string Role, string Comm, string? Cmdline, DateTimeOffset? StartedAt, ulong StartTicks)
{
    public static HandedProcess From(int pid, TrackedProcess t) => new(pid, t.Unit, t.Role, t.Comm, t.Cmdline, t.StartedAt, t.StartTicks);

    public KeyValuePair<int, TrackedProcess> ToTracked() => new(Pid, new TrackedProcess(Unit, Role, Comm, Cmdline, StartedAt, StartTicks));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HandoverState))]
internal sealed partial class HandoverJson : JsonSerializerContext;
