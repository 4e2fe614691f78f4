namespace Corral.Core.Text;

/// <summary>
/// Microseconds, the unit of every time and span on the wire and in the event store (as systemd's
/// USec properties): since the epoch for a time, as a count for a span. One tick is 100 ns.
/// </summary>
public static class Microseconds
{
    public static long Of(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset Time(long usec) => DateTimeOffset.UnixEpoch.AddTicks(usec * 10);

    public static long Of(TimeSpan span) => span.Ticks / 10;

    public static TimeSpan Span(long usec) => TimeSpan.FromTicks(usec * 10);
}
