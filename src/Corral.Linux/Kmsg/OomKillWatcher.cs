using System.Collections.Concurrent;

namespace Corral.Linux.Kmsg;

/// <summary>
/// Follows /dev/kmsg from its end for the OOM killer's reports and the system-call filters' kills,
/// and keeps the last ones by victim pid for the death records to take. Needs CAP_SYSLOG (root).
/// </summary>
public sealed class OomKillWatcher : IDisposable
{
    private const int SeekEnd = 2;
    private readonly ConcurrentDictionary<int, (OomKillReport Report, long Tick)> _reports = new();
    private readonly ConcurrentDictionary<int, (string Constraint, string? Memcg)> _contexts = new();
    private readonly ConcurrentDictionary<int, (SeccompKillReport Report, long Tick)> _seccomp = new();
    private readonly PolledReader _reader;

    private OomKillWatcher(int fd) => _reader = new PolledReader(fd, "kmsg", OnRecord);

    /// <summary>/dev/kmsg as the previous program image of this process had it open (daemon-reexec): read on from where it stopped.</summary>
    public static OomKillWatcher Continue(int fd) => new(fd);

    /// <summary>The open /dev/kmsg (to hand over to the next program image).</summary>
    public int Fd => _reader.Fd;

    /// <summary>Reads what is there now, then nothing more until the next image reads on.</summary>
    public void Pause() => _reader.Pause();

    public void Resume() => _reader.Resume();

    public static OomKillWatcher? TryStart(out string? unavailable)
    {
        int fd = Interop.Open("/dev/kmsg", Interop.O_RDONLY | Interop.O_CLOEXEC | Interop.O_NONBLOCK);
        if (fd < 0)
        {
            unavailable = $"/dev/kmsg cannot be read: {Interop.StrError(Interop.LastErrno)}";
            return null;
        }
        Interop.Lseek(fd, 0, SeekEnd); // only what happens from now on
        unavailable = null;
        return new OomKillWatcher(fd);
    }

    /// <summary>The kernel's report on this victim, if it has been read (call <see cref="Drain"/> and retry to wait for it).</summary>
    public OomKillReport? ReportFor(int pid) => _reports.TryGetValue(pid, out var r) ? r.Report : null;

    /// <summary>The kernel's audit line on a process its system-call filter killed, if it has been read.</summary>
    public SeccompKillReport? SeccompFor(int pid) => _seccomp.TryGetValue(pid, out var r) ? r.Report : null;

    public void Drain() => _reader.Drain();

    private void OnRecord(ReadOnlySpan<byte> data)
    {
        // One read of /dev/kmsg returns one record.
        string? message = OomKillReport.KmsgMessage(System.Text.Encoding.UTF8.GetString(data));
        if (message is null) return;
        if (SeccompKillReport.TryParse(message, out var killed))
        {
            _seccomp[killed!.Pid] = (killed, Environment.TickCount64);
            Forget(_seccomp);
        }
        else if (OomKillReport.TryParseContext(message, out int pid, out string constraint, out string? memcg))
            _contexts[pid] = (constraint, memcg);
        else if (OomKillReport.TryParseKilled(message, out var report))
        {
            if (_contexts.TryRemove(report!.Pid, out var ctx)) report = report with { Constraint = ctx.Constraint, OomMemcg = ctx.Memcg };
            _reports[report.Pid] = (report, Environment.TickCount64);
            Forget(_reports);
        }
    }

    /// <summary>Past 1024 reports, those older than a minute go: a death is recorded well within it.</summary>
    private static void Forget<T>(ConcurrentDictionary<int, (T Report, long Tick)> reports)
    {
        if (reports.Count <= 1024) return;
        foreach (var old in reports.Where(kv => Environment.TickCount64 - kv.Value.Tick > 60_000).Select(kv => kv.Key).ToList())
            reports.TryRemove(old, out _);
    }

    public void Dispose() => _reader.Dispose();
}
