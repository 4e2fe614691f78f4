using System.Text;

namespace Corral.Daemon;

/// <summary>
/// Standard error that cannot fail: a line the descriptor does not take (its file on a full disk,
/// a closed pipe) is lost and counted, never thrown. .NET's own Console.Error throws IOException on
/// ENOSPC, and every diagnostic of the daemon, on whatever thread, would otherwise be a crash once
/// the disk holding its log fills up.
/// </summary>
public sealed class DiagnosticWriter : TextWriter
{
    private readonly Stream _stream = Console.OpenStandardError();
    private StreamWriter _writer;
    private long _lost;

    private DiagnosticWriter() => _writer = NewWriter();

    /// <summary>Replaces Console.Error with one of these (synchronized: every thread writes to it).</summary>
    public static void Install() => Console.SetError(TextWriter.Synchronized(new DiagnosticWriter()));

    /// <summary>Writes that failed since start.</summary>
    public long Lost => Interlocked.Read(ref _lost);

    public override Encoding Encoding => _writer.Encoding;

    public override void Write(char value) => Guard(() => _writer.Write(value));
    public override void Write(string? value) => Guard(() => _writer.Write(value));
    public override void Write(char[] buffer, int index, int count) => Guard(() => _writer.Write(buffer, index, count));
    public override void WriteLine(string? value) => Guard(() => _writer.WriteLine(value));
    public override void Flush() => Guard(_writer.Flush);

    private void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException)
        {
            Interlocked.Increment(ref _lost);
            _writer = NewWriter(); // what the failed write left buffered goes with the old writer
        }
    }

    private StreamWriter NewWriter() => new(_stream, new UTF8Encoding(false), 4096, leaveOpen: true) { AutoFlush = true };
}
