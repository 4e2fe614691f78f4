using System.Globalization;
using System.Text;

namespace Corral.Core.Logs;

/// <summary>
/// One line of a service's output as stored in &lt;log-dir&gt;/&lt;unit&gt;.log:
/// <c>2026-11-21T22:05:03.123456Z out the text</c> — the time it was read (UTC, µs), the stream
/// (<c>out</c> or <c>err</c>), one space, the bytes the service wrote, then '\n'.
/// </summary>
public readonly record struct LogLine(DateTimeOffset At, bool IsStderr, string Text)
{
    private const string TimeFormat = "yyyy-MM-ddTHH:mm:ss.ffffffZ";
    private const int TimeLength = 27;
    /// <summary>The bytes before the text: the time, a space, the stream, a space.</summary>
    public const int PrefixLength = TimeLength + 5;

    public string Stream => IsStderr ? "stderr" : "stdout";

    public long Usec => Corral.Core.Text.Microseconds.Of(At);

    /// <summary>Writes the prefix for a line read at <paramref name="at"/> into <paramref name="dest"/> (PrefixLength bytes).</summary>
    public static void WritePrefix(DateTimeOffset at, bool isStderr, Span<byte> dest)
    {
        Encoding.ASCII.GetBytes(at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture), dest);
        dest[TimeLength] = (byte)' ';
        Encoding.ASCII.GetBytes(isStderr ? "err" : "out", dest[(TimeLength + 1)..]);
        dest[TimeLength + 4] = (byte)' ';
    }

    /// <summary>Parses a stored line (without its '\n'); invalid UTF-8 in the text reads as U+FFFD.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out LogLine parsed)
    {
        parsed = default;
        if (line.Length < PrefixLength || line[TimeLength] != ' ' || line[TimeLength + 4] != ' ') return false;
        if (!DateTime.TryParseExact(Encoding.ASCII.GetString(line[..TimeLength]), TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)) return false;
        var stream = line.Slice(TimeLength + 1, 3);
        bool err = stream.SequenceEqual("err"u8);
        if (!err && !stream.SequenceEqual("out"u8)) return false;
        parsed = new LogLine(new DateTimeOffset(at, TimeSpan.Zero), err, Encoding.UTF8.GetString(line[PrefixLength..]));
        return true;
    }
}
