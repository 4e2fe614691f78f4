using System.Globalization;

namespace Corral.Core.Text;

/// <summary>
/// Every time Corral prints, in one place: UTC, 24-hour, the zone named — whatever the machine's
/// or the reader's zone, a time read from a status line, a death sentence, a log or the page is the
/// same instant, and two machines' records compare without conversion.
/// </summary>
public static class TimeText
{
    /// <summary>As systemctl status prints a timestamp: "Tue 2026-12-01 23:07:33 UTC".</summary>
    public static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>The start of a log or event line: "2026-12-01 23:07:33.123 UTC".</summary>
    public static string Line(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A time of day within a sentence: "23:07:33 UTC".</summary>
    public static string Clock(DateTimeOffset t) => t.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A time of day to the millisecond: "23:07:33.123 UTC".</summary>
    public static string ClockMs(DateTimeOffset t) => t.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC";
}
