using Corral.Linux;

namespace Corral.Daemon.Services;

/// <summary>
/// Where a service's output goes: &lt;state-dir&gt;/logs/&lt;unit&gt;.log, rotated to ".1" at 10 MiB so a
/// flooding service cannot fill the disk. Written only from the output thread.
/// </summary>
public sealed class ServiceLog(string path) : IOutputSink, IDisposable
{
    private const long MaxBytes = 10 * 1024 * 1024;
    private FileStream? _stream;

    public string Path { get; } = path;

    public void Write(ReadOnlySpan<byte> data, bool isStderr)
    {
        try
        {
            _stream ??= new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 0);
            if (_stream.Length + data.Length > MaxBytes)
            {
                _stream.Dispose();
                File.Move(Path, Path + ".1", overwrite: true);
                _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 0);
            }
            _stream.Write(data);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"corral: cannot write {Path}: {e.Message}");
        }
    }

    public void Dispose() => _stream?.Dispose();
}
