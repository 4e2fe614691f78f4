namespace Corral.Core.Logs;

/// <summary>
/// Cuts a byte stream into lines at '\n'. A line longer than <see cref="MaxLine"/> bytes is cut
/// into several of that length, so an endless line is written as it comes, never held or lost; what
/// is left without a newline when the stream ends is a line of its own (<see cref="Flush"/>).
/// </summary>
public sealed class LineSplitter(int maxLine = LineSplitter.DefaultMaxLine)
{
    public const int DefaultMaxLine = 16 * 1024;
    private readonly byte[] _partial = new byte[maxLine];
    private int _length;

    public int MaxLine => maxLine;

    /// <summary>Feeds bytes; <paramref name="line"/> gets each complete line (without its '\n').</summary>
    public void Feed(ReadOnlySpan<byte> data, Action<ReadOnlySpan<byte>> line)
    {
        while (data.Length > 0)
        {
            int nl = data.IndexOf((byte)'\n');
            int take = nl < 0 ? data.Length : nl;
            int room = maxLine - _length;
            if (take >= room)
            {
                // The line reaches the maximum: emit that much and go on with the rest of it.
                if (_length == 0) line(data[..room]);
                else
                {
                    data[..room].CopyTo(_partial.AsSpan(_length));
                    line(_partial);
                    _length = 0;
                }
                // A newline right at the cut ends this line rather than making an empty one.
                data = data[(nl == room ? room + 1 : room)..];
                continue;
            }
            if (nl < 0)
            {
                data.CopyTo(_partial.AsSpan(_length));
                _length += data.Length;
                return;
            }
            if (_length == 0) line(data[..nl]);
            else
            {
                data[..nl].CopyTo(_partial.AsSpan(_length));
                line(_partial.AsSpan(0, _length + nl));
                _length = 0;
            }
            data = data[(nl + 1)..];
        }
    }

    /// <summary>What is held without its newline yet, taken out (to be fed to the splitter of the next program image).</summary>
    public byte[] TakePending()
    {
        var held = _partial.AsSpan(0, _length).ToArray();
        _length = 0;
        return held;
    }

    /// <summary>The stream ended: what is held without its newline becomes a line.</summary>
    public void Flush(Action<ReadOnlySpan<byte>> line)
    {
        if (_length == 0) return;
        line(_partial.AsSpan(0, _length));
        _length = 0;
    }
}
