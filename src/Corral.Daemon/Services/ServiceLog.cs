using System.Buffers;
using Corral.Core.Logs;
using Corral.Daemon.Notices;
using Corral.Linux;

namespace Corral.Daemon.Services;

/// <summary>
/// A service's output, line by line, into &lt;log-dir&gt;/&lt;unit&gt;.log (mode 0640, never through a
/// symlink): each line with the time it was read and its stream (LogLine). Past LogMaxBytes= the
/// file is rotated: .log becomes .log.1, .log.1 becomes .log.2 … up to LogBackups= files; the
/// oldest goes. Times are strictly increasing within a unit (a tie gets the next microsecond), so a
/// time is a cursor for <c>corral logs -f</c>.
/// <para>A disk that cannot take a write (full, over quota, failing) loses lines, never the daemon
/// and never the service: what was read from the pipe is dropped and counted, so the service never
/// stalls on a full pipe; a notice says that output is being lost, and once a write succeeds again
/// (tried again every 250 ms, lines read in between dropped without a system call) another says how
/// many bytes and lines were lost and when.</para>
/// Written from the output thread (one write per read from a pipe) and flushed by the runner at the
/// end of a run, under one lock.
/// </summary>
internal sealed class ServiceLog(string path, string unit, Action<Notice>? notify) : IOutputSink, IDisposable
{
    /// <summary>rw-r-----: the output of services is not for every user of the machine.</summary>
    public const int FileMode = 0x1a0;

    private readonly LineSplitter _out = new(), _err = new();
    private readonly byte[] _prefix = new byte[LogLine.PrefixLength];
    // The lines of one read, written with one write: small until a service writes much (it grows to
    // what one read brings, 64 KiB and their prefixes), so that 100 quiet services cost nothing.
    private readonly ArrayBufferWriter<byte> _batch = new(256);
    private int _batchLines;
    private AppendFile? _file;
    private long _lastUsec;
    private bool _stderrNow;
    private long _maxBytes = 10 << 20;
    private int _backups = 5;
    private readonly object _gate = new();
    // The current loss: since when lines are dropped, how many, and why.
    private DateTimeOffset? _losingSince;
    private long _lostBytes, _lostLines;
    private string? _lossReason;
    private long _lostTotal;

    public string Path { get; } = path;

    /// <summary>Bytes of output dropped since the daemon started because the log could not be written.</summary>
    public long LostBytes => Interlocked.Read(ref _lostTotal);

    /// <summary>&lt;log-dir&gt;/&lt;unit&gt;.log, the one name of a unit's live log file.</summary>
    public static string PathFor(string logDir, string unit) => System.IO.Path.Combine(logDir, unit + ".log");

    /// <summary>The unit's log in &lt;log-dir&gt; (which the daemon checked at start-up, see LogDirectory).</summary>
    public static ServiceLog Open(string logDir, string unit, Action<Notice>? notify, Init.ConsoleEcho? echo = null) =>
        new(PathFor(logDir, unit), unit, notify) { Echo = echo };

    /// <summary>Where each line is also written (corral init: the container's output).</summary>
    public Init.ConsoleEcho? Echo { get; init; }

    /// <summary>LogMaxBytes= and LogBackups= of the unit now (re-read at each start).</summary>
    public void Configure(long maxBytes, int backups)
    {
        Volatile.Write(ref _maxBytes, Math.Max(maxBytes, 4096));
        Volatile.Write(ref _backups, Math.Max(backups, 0));
    }

    public void Write(ReadOnlySpan<byte> data, bool isStderr)
    {
        lock (_gate)
        {
            _stderrNow = isStderr;
            (isStderr ? _err : _out).Feed(data, WriteLine);
            Commit();
        }
        TellNotices();
    }

    /// <summary>
    /// The start of a line each stream holds without its newline yet, taken out: for the daemon's
    /// next program image (daemon-reexec), which reads the rest of the line from the pipe.
    /// </summary>
    public PartialLines TakePartialLines()
    {
        lock (_gate) return new PartialLines(_out.TakePending(), _err.TakePending());
    }

    /// <summary>The starts of lines the daemon's previous program image had read (<see cref="TakePartialLines"/>), before anything read from the pipes now.</summary>
    public void RestorePartialLines(PartialLines lines)
    {
        lock (_gate)
        {
            _stderrNow = false;
            _out.Feed(lines.Stdout, WriteLine);
            _stderrNow = true;
            _err.Feed(lines.Stderr, WriteLine);
            Commit();
        }
    }

    /// <summary>The pipes closed (the run is over): a last line without its newline is written too.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _stderrNow = false;
            _out.Flush(WriteLine);
            _stderrNow = true;
            _err.Flush(WriteLine);
            Commit();
        }
        TellNotices();
    }

    // Notices raised under the lock, written to the event store once it is let go: no database write under it.
    private readonly Queue<Notice> _toTell = new();

    private void TellNotices()
    {
        while (true)
        {
            Notice? n;
            lock (_gate) if (!_toTell.TryDequeue(out n)) return;
            notify?.Invoke(n);
        }
    }

    private void WriteLine(ReadOnlySpan<byte> text)
    {
        Echo?.Line(unit, text, _stderrNow);
        long usec = Core.Text.Microseconds.Of(DateTimeOffset.UtcNow);
        if (usec <= _lastUsec) usec = _lastUsec + 1;
        _lastUsec = usec;
        LogLine.WritePrefix(Core.Text.Microseconds.Time(usec), _stderrNow, _prefix);
        int size = _prefix.Length + text.Length + 1;
        long length = (_file?.Length ?? 0) + _batch.WrittenCount;
        if (length > 0 && length + size > Volatile.Read(ref _maxBytes))
        {
            Commit();
            Rotate();
        }
        _batch.Write(_prefix);
        _batch.Write(text);
        _batch.Write("\n"u8);
        _batchLines++;
    }

    /// <summary>While output is being lost, the file is tried again at most this often: between tries, lines are dropped without a system call.</summary>
    private const long RetryMs = 250;
    private long _nextTry;

    /// <summary>Writes the lines gathered so far with one write, or drops and counts them.</summary>
    private void Commit()
    {
        if (_batch.WrittenCount == 0) return;
        if (_losingSince is not null && Environment.TickCount64 < _nextTry)
        {
            Drop();
            return;
        }
        int errno = 0;
        string? failure = null;
        try
        {
            _file ??= OpenFile();
            errno = _file.TryWrite(_batch.WrittenSpan);
            if (errno != 0) failure = $"cannot write {Path}: {ErrnoException.Describe(errno)}";
        }
        catch (Exception e) when (e is ErrnoException || Core.FileErrors.Is(e))
        {
            failure = e.Message;
        }
        if (failure is null)
        {
            Recovered();
            _batch.ResetWrittenCount();
            _batchLines = 0;
        }
        else Lost(failure);
    }

    /// <summary>The lines gathered are lost: counted, and let go.</summary>
    private void Drop()
    {
        _lostBytes += _batch.WrittenCount;
        _lostLines += _batchLines;
        Interlocked.Add(ref _lostTotal, _batch.WrittenCount);
        _batch.ResetWrittenCount();
        _batchLines = 0;
    }

    private AppendFile OpenFile()
    {
        var f = AppendFile.Open(Path, FileMode);
        if (_lastUsec == 0) _lastUsec = LastUsecIn(Path);
        return f;
    }

    private void Lost(string reason)
    {
        Drop();
        // Opened anew at the next try: a file deleted to make room must not be kept open (its space
        // would not come back), and one that went away (a lost disk) is found again.
        _file?.Dispose();
        _file = null;
        _nextTry = Environment.TickCount64 + RetryMs;
        if (_losingSince is not null) return;
        _losingSince = DateTimeOffset.Now;
        _lossReason = reason;
        Console.Error.WriteLine($"corral: {unit}: output is being dropped: {reason}");
        _toTell.Enqueue(new Notice(NoticeKinds.LogLoss, unit, $"output of {unit} is being dropped, not written: {reason}; writing resumes by itself when it can"));
    }

    private void Recovered()
    {
        if (_losingSince is not { } since) return;
        string message = $"{_lostBytes} bytes ({_lostLines} lines) of output of {unit} were lost between {Core.Text.TimeText.Clock(since)} and {Core.Text.TimeText.Clock(DateTimeOffset.Now)}: {_lossReason}; written again since";
        Console.Error.WriteLine($"corral: {unit}: {message}");
        _toTell.Enqueue(new Notice(NoticeKinds.LogLossEnded, unit, message) { Count = _lostBytes });
        (_losingSince, _lostBytes, _lostLines, _lossReason) = (null, 0, 0, null);
    }

    /// <summary>.log.N-1 → .log.N … .log → .log.1; with no backups the file starts again empty. A failed rename leaves the file growing.</summary>
    private void Rotate()
    {
        _file?.Dispose();
        _file = null;
        try
        {
            int backups = Volatile.Read(ref _backups);
            if (backups == 0)
            {
                File.Delete(Path);
                return;
            }
            File.Delete($"{Path}.{backups}");
            for (int i = backups - 1; i >= 1; i--)
                if (File.Exists($"{Path}.{i}")) File.Move($"{Path}.{i}", $"{Path}.{i + 1}");
            if (File.Exists(Path)) File.Move(Path, Path + ".1");
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            Console.Error.WriteLine($"corral: {unit}: cannot rotate {Path}: {e.Message}");
        }
    }

    /// <summary>A daemon restarted keeps times increasing after what the file already holds.</summary>
    private static long LastUsecIn(string path)
    {
        foreach (var line in LogFiles.ReadBackwards([path]))
            return line.Usec;
        return 0;
    }

    public void Dispose()
    {
        Flush();
        lock (_gate)
        {
            _file?.Dispose();
            _file = null; // disposing twice (the runner, then the manager) is harmless
        }
    }
}
