namespace Corral.Daemon.Init;

/// <summary>
/// Under <c>corral init</c> every line a service writes also goes to the init's own standard output
/// or error — the container's, which `docker logs` and `kubectl logs` read: the main unit's lines as
/// they are, the other units' after their name ("db.service: …"). Lines are written whole, one
/// write each, under one lock, so lines of two services never mix. A write that fails (the
/// container's log pipe gone) loses that line, never the service.
/// </summary>
internal sealed class ConsoleEcho(string mainUnit)
{
    private readonly Stream _stdout = Console.OpenStandardOutput(), _stderr = Console.OpenStandardError();
    private readonly object _gate = new();
    private byte[] _buffer = new byte[4096];

    public void Line(string unit, ReadOnlySpan<byte> text, bool isStderr)
    {
        lock (_gate)
        {
            int prefix = unit == mainUnit ? 0 : System.Text.Encoding.UTF8.GetByteCount(unit) + 2;
            int size = prefix + text.Length + 1;
            if (_buffer.Length < size) _buffer = new byte[Math.Max(size, _buffer.Length * 2)];
            if (prefix > 0)
            {
                System.Text.Encoding.UTF8.GetBytes(unit, _buffer);
                _buffer[prefix - 2] = (byte)':';
                _buffer[prefix - 1] = (byte)' ';
            }
            text.CopyTo(_buffer.AsSpan(prefix));
            _buffer[size - 1] = (byte)'\n';
            try { (isStderr ? _stderr : _stdout).Write(_buffer, 0, size); }
            catch (IOException) { }
        }
    }
}
