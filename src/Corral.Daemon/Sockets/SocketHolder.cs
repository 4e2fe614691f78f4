using System.Text.Json;
using System.Text.Json.Serialization;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;

namespace Corral.Daemon.Sockets;

/// <summary>
/// Keeps the active socket units' listening sockets open outside the daemon, so they outlive a
/// daemon killed with SIGKILL: the kernel queues the connections made meanwhile (none is refused)
/// and the next daemon takes copies from the holder (pidfd_getfd) instead of binding again.
///
/// The holder is `corral-exec --hold`, spawned like a service's process with the sockets as its fds
/// 3.., into the cgroup ROOT/corral-sockets. Its record, STATE/sockets/held.json, names it (pid and
/// start time) and each descriptor ("socket/NAME/INDEX"). A change of the set spawns a new holder,
/// writes the record, then ends the old holder and waits for its end (a stopped socket's port is
/// free when the stop is answered). A clean stop of the daemon stops its sockets, so the last
/// holder ends with it; a daemon killed leaves it for the next one.
///
/// Used on the socket engine's loop only (and at start-up, before that loop has work).
/// </summary>
internal sealed class SocketHolder(Spawner spawner, ICgroupManager cgroups, string stateDir)
{
    public const string CgroupName = "corral-sockets";
    private const int MaxHeld = 4096;
    private ProcessHandle? _holder;
    private string? _said;

    public string RecordPath => Path.Combine(stateDir, "sockets", "held.json");

    /// <summary>A holder this daemon spawned ended (on the reaper's thread): the owner checks <see cref="IsCurrent"/> on its loop.</summary>
    public Action<ProcessHandle, Core.State.ExitStatus>? Lost { get; set; }

    /// <summary>Whether this is the holder now (not one ended on purpose for a newer set).</summary>
    public bool IsCurrent(ProcessHandle h) => ReferenceEquals(_holder, h);

    private string CgroupPath => Path.Combine(cgroups.Root, CgroupName);

    /// <summary>
    /// Start-up: the sockets a previous daemon's holder keeps, copied here, when its record names a
    /// process that is alive, in the holder cgroup, and started when the record says (else nothing is
    /// taken from it: a pid in a record is not trusted to be the holder). The holder found is this
    /// one's until the next <see cref="Hold"/> ends it. Null when there is nothing to take.
    /// </summary>
    /// <param name="take">false after a daemon-reexec: the sockets came with the exec; the holder is only found, to be ended</param>
    public HeldSockets? Recover(bool take = true)
    {
        string path = RecordPath;
        if (!File.Exists(path)) return null;
        HeldRecord? record;
        try
        {
            if (new FileInfo(path).Length > 1 << 20) throw new JsonException("larger than 1 MiB");
            record = JsonSerializer.Deserialize(File.ReadAllBytes(path), HeldJson.Default.HeldRecord);
            if (record is null || record.Pid <= 1 || record.Names.Count is 0 or > MaxHeld) throw new JsonException("no holder or no descriptors in it");
        }
        catch (Exception e) when (e is JsonException || Core.FileErrors.Is(e))
        {
            Say($"{path}: cannot be read ({e.Message}); the socket units' sockets are bound again when they start");
            return null;
        }
        var handle = ProcessHandle.TryOpen(record.Pid);
        // Checked after the pidfd is open: the process it names cannot change under it.
        bool holder = handle is not null && CgroupFile.ReadPids(Path.Combine(CgroupPath, "cgroup.procs")).Contains(record.Pid)
            && Linux.Procfs.ProcReader.TryReadStat(record.Pid, out var stat) && stat!.StartTimeTicks == record.StartTicks;
        if (!holder)
        {
            handle?.Dispose();
            Say($"the socket holder of {path} (pid {record.Pid}) is gone; the socket units' sockets are bound again when they start");
            Forget();
            return null;
        }
        _holder = handle;
        if (!take) return null;
        var fds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < record.Names.Count; i++)
        {
            try
            {
                int fd = handle!.CopyDescriptor(3 + i);
                if (!fds.TryAdd(record.Names[i], fd)) Descriptors.Close(fd);
            }
            catch (ErrnoException e)
            {
                Say($"{record.Names[i]}: cannot be taken from the socket holder (pid {record.Pid}): {e.Message}");
            }
        }
        Console.Error.WriteLine($"corral: taking over {fds.Count} listening sockets from the socket holder (pid {record.Pid})");
        return new HeldSockets(Handover.Of(fds, $"the socket holder (pid {record.Pid})"), record.Units);
    }

    /// <summary>
    /// The set of active sockets changed: a new holder gets <paramref name="fds"/> (none: no holder),
    /// the record says so, and the previous holder ends. When a holder cannot be had (the executor
    /// fails, the disk is full), the previous one still ends (it must not keep a stopped socket's
    /// port) and the sockets live as long as the daemon: said once.
    /// </summary>
    public void Hold(IReadOnlyList<(string Name, int Fd)> fds, IReadOnlyDictionary<string, HandedSocket> units)
    {
        var previous = _holder;
        _holder = null;
        if (fds.Count > 0 && fds.Count <= MaxHeld)
        {
            try
            {
                Directory.CreateDirectory(CgroupPath);
                var h = spawner.Spawn(new SpawnRequest
                {
                    Executable = spawner.ExecutorPath,
                    Argv = ["corral-exec", "--hold"],
                    Environment = [],
                    CgroupDirs = [CgroupPath],
                    ListenFds = [.. fds.Select(f => f.Fd)],
                }, (ended, status) => Lost?.Invoke(ended, status));
                if (!Linux.Procfs.ProcReader.TryReadStat(h.Pid, out var stat))
                {
                    End(h);
                    throw new IOException($"the holder (pid {h.Pid}) ended at once");
                }
                _holder = h;
                Directory.CreateDirectory(Path.GetDirectoryName(RecordPath)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                var record = new HeldRecord { Pid = h.Pid, StartTicks = stat!.StartTimeTicks, Names = [.. fds.Select(f => f.Name)], Units = new(units, StringComparer.Ordinal) };
                Core.AtomicFile.Write(RecordPath, JsonSerializer.SerializeToUtf8Bytes(record, HeldJson.Default.HeldRecord), Core.AtomicFile.OwnerOnly);
                _said = null;
            }
            catch (Exception e) when (e is SpawnException or ErrnoException or CgroupException || Core.FileErrors.Is(e))
            {
                if (_holder is { } failed) End(failed);
                _holder = null;
                Say($"the listening sockets cannot be held outside the daemon ({e.Message}): a daemon killed now takes them with it, and the next one binds them again");
            }
        }
        else if (fds.Count > MaxHeld) Say($"{fds.Count} listening sockets are more than the holder takes ({MaxHeld}): they live as long as the daemon");
        if (previous is not null) End(previous);
        if (_holder is null) Forget();
    }

    /// <summary>SIGKILL to a holder, then its end waited for: when this returns its copies are closed.</summary>
    private static void End(ProcessHandle h)
    {
        try { h.TrySignal(9); } catch (ErrnoException) { }
        if (!h.WaitEnded(TimeSpan.FromSeconds(2)))
            Console.Error.WriteLine($"corral: the socket holder (pid {h.Pid}) did not end within 2 s of SIGKILL");
        h.Dispose();
    }

    /// <summary>No holder: no record, and the holder cgroup removed (the cgroup root can go with the daemon).</summary>
    private void Forget()
    {
        try { File.Delete(RecordPath); } catch (Exception e) when (Core.FileErrors.Is(e)) { }
        try { if (Directory.Exists(CgroupPath)) Directory.Delete(CgroupPath); } catch (Exception e) when (Core.FileErrors.Is(e)) { }
    }

    private void Say(string what)
    {
        if (_said == what) return;
        _said = what;
        Console.Error.WriteLine($"corral: {what}");
    }
}

/// <summary>The listening sockets taken from a previous daemon's holder, by "socket/NAME/INDEX", and what it recorded of their units.</summary>
internal sealed record HeldSockets(Handover Fds, Dictionary<string, HandedSocket> Units);

/// <summary>STATE/sockets/held.json: the holder and what its descriptors 3, 4, … are.</summary>
internal sealed record HeldRecord
{
    public int Pid { get; init; }
    public ulong StartTicks { get; init; }
    public List<string> Names { get; init; } = [];
    public Dictionary<string, HandedSocket> Units { get; init; } = new(StringComparer.Ordinal);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HeldRecord))]
internal sealed partial class HeldJson : JsonSerializerContext;
