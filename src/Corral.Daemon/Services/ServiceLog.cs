using Corral.Core.Logs;
using Corral.Linux;

namespace Corral.Daemon.Services;

/// <summary>
/// A service's output, line by line, into &lt;log-dir&gt;/&lt;unit&gt;.log: each line with the time it
/// was read and its stream (LogLine). Past LogMaxBytes= the file is rotated: .log becomes .log.1,
/// .log.1 becomes .log.2 … up to LogBackups= files; the oldest goes. Times are strictly increasing
/// within a unit (a tie gets the next microsecond), so a time is a cursor for <c>corral logs -f</c>.
/// Written from the output thread (one write per read from a pipe) and flushed by the runner at the
/// end of a run, under one lock.
/// </summary>
public sealed class ServiceLog(string path) : IOutputSink, IDisposable
{
    private readonly LineSplitter _out = new(), _err = new();
    private readonly byte[] _prefix = new byte[LogLine.PrefixLength];
    private FileStream? _stream;
    private long _lastUsec;
    private bool _stderrNow;
    private long _maxBytes = 10 << 20;
    private int _backups = 5;
    private readonly object _gate = new();

    public string Path { get; } = path;

    /// <summary>&lt;log-dir&gt;/&lt;unit&gt;.log, the one name of a unit's live log file.</summary>
    public static string PathFor(string logDir, string unit) => System.IO.Path.Combine(logDir, unit + ".log");

    /// <summary>The unit's log in &lt;log-dir&gt;, which is created if need be.</summary>
    public static ServiceLog Open(string logDir, string unit)
    {
        Directory.CreateDirectory(logDir);
        return new ServiceLog(PathFor(logDir, unit));
    }

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
            try
            {
                _stderrNow = isStderr;
                (isStderr ? _err : _out).Feed(data, WriteLine);
                _stream?.Flush();
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"corral: cannot write {Path}: {e.Message}");
                _stream?.Dispose();
                _stream = null;
            }
        }
    }

    /// <summary>The pipes closed (the run is over): a last line without its newline is written too.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            try
            {
                _stderrNow = false;
                _out.Flush(WriteLine);
                _stderrNow = true;
                _err.Flush(WriteLine);
                _stream?.Flush();
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"corral: cannot write {Path}: {e.Message}");
            }
        }
    }

    private void WriteLine(ReadOnlySpan<byte> text)
    {
        long usec = (DateTimeOffset.UtcNow.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        if (usec <= _lastUsec) usec = _lastUsec + 1;
        _lastUsec = usec;
        LogLine.WritePrefix(DateTimeOffset.UnixEpoch.AddTicks(usec * 10), _stderrNow, _prefix);
        _stream ??= Open();
        if (_stream.Length > 0 && _stream.Length + _prefix.Length + text.Length + 1 > Volatile.Read(ref _maxBytes))
        {
            _stream.Dispose();
            Rotate();
            _stream = Open();
        }
        _stream.Write(_prefix);
        _stream.Write(text);
        _stream.WriteByte((byte)'\n');
    }

    private FileStream Open()
    {
        var fs = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        if (_lastUsec == 0) _lastUsec = LastUsecIn(Path);
        return fs;
    }

    /// <summary>.log.N-1 → .log.N … .log → .log.1; with no backups the file starts again empty.</summary>
    private void Rotate()
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
        File.Move(Path, Path + ".1");
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
            _stream?.Dispose();
            _stream = null; // disposing twice (the runner, then the manager) is harmless
        }
    }
}
