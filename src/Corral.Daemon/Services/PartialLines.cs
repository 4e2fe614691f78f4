namespace Corral.Daemon.Services;

/// <summary>
/// The start of a line a unit's log has read from each stream without its newline yet: taken out
/// before a daemon-reexec (ServiceLog.TakePartialLines) and fed back first by the next program
/// image, which reads the rest of the line from the pipe.
/// </summary>
internal sealed record PartialLines(byte[] Stdout, byte[] Stderr)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Stdout.Length == 0 && Stderr.Length == 0;
}
