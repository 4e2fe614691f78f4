using System.Globalization;
using Corral.Core.Units;

namespace Corral.Core.Timers;

/// <summary>One item of a calendar field: a value, "A..B" (every value between), "A/R" or "A..B/R" (every R-th); Stop −1: no end.</summary>
internal readonly record struct CalendarItem(int Start, int Stop, int Repeat);

/// <summary>
/// A calendar event as systemd.time(7) writes it ("Mon..Fri *-*-* 02:30", "daily",
/// "*-02~01 12:00 Europe/Berlin", "@1700000000") and when it next elapses. The search is systemd
/// 252's, step for step, so that every elapse is the one systemd would pick — its quirks included:
/// a field searched past its end (the 36th day, the 30th hour) is carried into the next unit by the
/// calendar's own arithmetic and only the field right below is reset, so "*-*-1/7" reached from
/// 29 December next elapses on 8 January, and "*-*-* 00/15:00" from a month's last 15:00 on the
/// next month's 15:00. A local time a clock change skips is no elapse. CalendarSpecTests compares
/// both with systemd-analyze calendar.
/// </summary>
public sealed class CalendarSpec
{
    private const int MinYear = 1970, MaxYear = 2199, UsecPerSec = 1_000_000;

    private int _weekdays = -1; // Monday = bit 0 … Sunday = bit 6; −1 every day
    private List<CalendarItem>? _year, _month, _day, _hour, _minute, _usec; // null: any
    private bool _endOfMonth;
    private TimeZoneInfo _zone = TimeZoneInfo.Local;

    public string Text { get; private init; } = "";

    /// <summary>The zone its times are in: UTC, the one named last, or this machine's.</summary>
    public TimeZoneInfo Zone => _zone;

    private static readonly (string Name, int Day)[] DayNames =
    [
        ("Monday", 0), ("Mon", 0), ("Tuesday", 1), ("Tue", 1), ("Wednesday", 2), ("Wed", 2), ("Thursday", 3), ("Thu", 3),
        ("Friday", 4), ("Fri", 4), ("Saturday", 5), ("Sat", 5), ("Sunday", 6), ("Sun", 6),
    ];

    /// <summary>Reads an expression; throws <see cref="UnitValueException"/> naming the part that failed.</summary>
    public static CalendarSpec Parse(string text)
    {
        var c = new CalendarSpec { Text = text };
        string p = text.Trim();
        if (p.EndsWith(" UTC", StringComparison.OrdinalIgnoreCase))
        {
            c._zone = TimeZoneInfo.Utc;
            p = p[..^4].TrimEnd();
        }
        else if (p.LastIndexOf(' ') is var space and > 0 && FindZone(p[(space + 1)..]) is { } zone)
        {
            c._zone = zone;
            p = p[..space].TrimEnd();
        }
        if (p.Length == 0) throw new UnitValueException("is empty: a calendar event names at least a day or a time");
        if (!c.Shorthand(p.ToLowerInvariant()))
        {
            int at = 0;
            c.ParseWeekdays(p, ref at);
            if (!c.ParseDate(p, ref at)) c.ParseTime(p, ref at);
            if (at < p.Length) throw new UnitValueException($"'{p[at..]}' is left over: not a date (Y-M-D) or a time (H:M[:S]) where it stands");
        }
        c.Normalize();
        c.Validate();
        return c;
    }

    private static TimeZoneInfo? FindZone(string word)
    {
        if (!word.Contains('/') && !word.All(char.IsAsciiLetter)) return null;
        try { return TimeZoneInfo.FindSystemTimeZoneById(word); }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or ArgumentException) { return null; }
    }

    private static List<CalendarItem> Const(params int[] values) => [.. values.Select(v => new CalendarItem(v, -1, 0))];

    private bool Shorthand(string p)
    {
        var midnight = () => { _hour = Const(0); _minute = Const(0); _usec = Const(0); };
        switch (p)
        {
            case "minutely": _usec = Const(0); return true;
            case "hourly": _minute = Const(0); _usec = Const(0); return true;
            case "daily": midnight(); return true;
            case "monthly": _day = Const(1); midnight(); return true;
            case "annually" or "yearly" or "anually": _month = Const(1); _day = Const(1); midnight(); return true;
            case "weekly": _weekdays = 1; midnight(); return true;
            case "quarterly": _month = Const(1, 4, 7, 10); _day = Const(1); midnight(); return true;
            case "semiannually" or "semi-annually": _month = Const(1, 7); _day = Const(1); midnight(); return true;
            default: return false;
        }
    }

    /// <summary>"Mon", "Mon..Fri", "Sat,Sun", "Mon-Wed" (the old range); nothing when the text does not start with a day.</summary>
    private void ParseWeekdays(string p, ref int at)
    {
        int open = -1;
        bool first = true;
        while (true)
        {
            int here = at;
            var match = DayNames.FirstOrDefault(d => p.Length >= here + d.Name.Length
                && string.Compare(p, here, d.Name, 0, d.Name.Length, StringComparison.OrdinalIgnoreCase) == 0);
            if (match.Name is null)
            {
                if (first) return;
                throw new UnitValueException($"'{p[at..]}' is not a weekday (Mon, Tue, … or Monday, …)");
            }
            int after = at + match.Name.Length;
            if (after < p.Length && p[after] is not ('-' or '.' or ',' or ' '))
                throw new UnitValueException($"'{p[at..]}' is not a weekday (Mon, Tue, … or Monday, …)");
            if (_weekdays < 0) _weekdays = 0;
            _weekdays |= 1 << match.Day;
            if (open >= 0)
            {
                if (open > match.Day) throw new UnitValueException($"'{p[..after]}': a range of weekdays goes from Monday towards Sunday (systemd does not wrap it)");
                for (int d = open + 1; d < match.Day; d++) _weekdays |= 1 << d;
            }
            at = after;
            if (at == p.Length) return;
            if (p[at] == ' ') { at = Skip(p, at); return; }
            if (p[at] == '.')
            {
                if (open >= 0 || at + 1 >= p.Length || p[at + 1] != '.') throw new UnitValueException($"'{p[..at]}': a range of weekdays is written Mon..Fri");
                open = match.Day;
                at += 2;
            }
            else if (p[at] == '-')
            {
                if (open >= 0) throw new UnitValueException($"'{p[..at]}': a range of weekdays is written Mon..Fri");
                open = match.Day;
                at++;
            }
            else if (p[at] == ',')
            {
                open = -1;
                at++;
            }
            if (at == p.Length || p[at] == ' ')
            {
                if (open >= 0) throw new UnitValueException($"'{p}': a range of weekdays has no end");
                at = Skip(p, at);
                return;
            }
            first = false;
        }
    }

    private static int Skip(string p, int at)
    {
        while (at < p.Length && p[at] == ' ') at++;
        return at;
    }

    /// <summary>
    /// The date, if one stands here: Y-M-D or M-D, '~' before the day for one counted from the
    /// month's end; or "@SECONDS", a moment, which is the whole expression (true: nothing follows).
    /// </summary>
    private bool ParseDate(string p, ref int at)
    {
        if (at == p.Length) return false;
        if (p[at] == '@')
        {
            int end = at + 1;
            while (end < p.Length && char.IsAsciiDigit(p[end])) end++;
            if (end == at + 1 || !long.TryParse(p[(at + 1)..end], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
                throw new UnitValueException($"'{p[at..]}' is not a moment (@SECONDS since 1970)");
            var moment = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
            (_year, _month, _day, _hour, _minute, _usec) = (Const(moment.Year), Const(moment.Month), Const(moment.Day), Const(moment.Hour), Const(moment.Minute), Const(moment.Second * UsecPerSec));
            _zone = TimeZoneInfo.Utc;
            at = end;
            return true;
        }
        int t = at;
        var first = Chain(p, ref t, usec: false, "date or hour");
        if (t == p.Length || p[t] == ':') return false; // a time
        if (p[t] == '~') _endOfMonth = true;
        else if (p[t] != '-') throw new UnitValueException($"'{p[at..]}' is not a date (YEAR-MONTH-DAY or MONTH-DAY)");
        t++;
        var second = Chain(p, ref t, usec: false, "month or day");
        if (t == p.Length || p[t] == ' ')
        {
            (_month, _day) = (first, second);
            at = Skip(p, t);
            return false;
        }
        if (_endOfMonth) throw new UnitValueException($"'{p[at..]}': '~' stands in place of the '-' before the day");
        if (p[t] == '~') _endOfMonth = true;
        else if (p[t] != '-') throw new UnitValueException($"'{p[at..]}' is not a date (YEAR-MONTH-DAY or MONTH-DAY)");
        t++;
        var third = Chain(p, ref t, usec: false, "day");
        if (t < p.Length && p[t] != ' ') throw new UnitValueException($"'{p[at..]}' is not a date (YEAR-MONTH-DAY or MONTH-DAY)");
        (_year, _month, _day) = (first, second, third);
        at = Skip(p, t);
        return false;
    }

    /// <summary>H:M or H:M:S (seconds may have a fraction, "05.250"); nothing means midnight.</summary>
    private void ParseTime(string p, ref int at)
    {
        if (at == p.Length)
        {
            (_hour, _minute, _usec) = (Const(0), Const(0), Const(0));
            return;
        }
        int start = at;
        _hour = Chain(p, ref at, usec: false, "hour");
        if (at == p.Length || p[at] != ':') throw new UnitValueException($"'{p[start..]}' is not a time (HOUR:MINUTE[:SECOND])");
        at++;
        _minute = Chain(p, ref at, usec: false, "minute");
        if (at == p.Length) { _usec = Const(0); return; }
        if (p[at] != ':') throw new UnitValueException($"'{p[start..]}' is not a time (HOUR:MINUTE[:SECOND])");
        at++;
        _usec = Chain(p, ref at, usec: true, "second");
    }

    /// <summary>"*" (null: any; for seconds every whole second), or items separated by ','.</summary>
    private static List<CalendarItem>? Chain(string p, ref int at, bool usec, string what)
    {
        if (at < p.Length && p[at] == '*')
        {
            at++;
            return usec ? [new CalendarItem(0, -1, UsecPerSec)] : null;
        }
        var items = new List<CalendarItem>();
        while (true)
        {
            int begin = at;
            int start = Decimal(p, ref at, usec, what), stop = -1, repeat = 0;
            if (at + 1 < p.Length && p[at] == '.' && p[at + 1] == '.')
            {
                at += 2;
                stop = Decimal(p, ref at, usec, what);
                repeat = usec ? UsecPerSec : 1;
            }
            if (at < p.Length && p[at] == '/')
            {
                at++;
                repeat = Decimal(p, ref at, usec, what);
                if (repeat == 0) throw new UnitValueException($"'{p[begin..at]}': a {what} repeats every 1 or more");
            }
            if (at < p.Length && p[at] is not (' ' or ',' or '-' or '~' or ':'))
                throw new UnitValueException($"'{p[begin..]}': '{p[at]}' cannot follow a {what}");
            items.Add(new CalendarItem(start, stop, repeat));
            if (at < p.Length && p[at] == ',') { at++; continue; }
            return items;
        }
    }

    private static int Decimal(string p, ref int at, bool usec, string what)
    {
        int begin = at;
        while (at < p.Length && char.IsAsciiDigit(p[at])) at++;
        if (at == begin) throw new UnitValueException($"'{p[begin..]}': a {what} is a number here");
        if (!long.TryParse(p[begin..at], NumberStyles.None, CultureInfo.InvariantCulture, out long value)) value = long.MaxValue;
        if (usec)
        {
            value = value > int.MaxValue ? long.MaxValue : value * UsecPerSec;
            // One '.' is a fraction of a second; ".." a range.
            if (at + 1 < p.Length && p[at] == '.' && char.IsAsciiDigit(p[at + 1]))
            {
                int f = ++at;
                while (at < p.Length && char.IsAsciiDigit(p[at])) at++;
                string digits = p[f..at].Length > 6 ? p[f..(f + 6)] : p[f..at].PadRight(6, '0');
                value += int.Parse(digits, CultureInfo.InvariantCulture);
            }
        }
        if (value > int.MaxValue) throw new UnitValueException($"'{p[begin..at]}': a {what} out of range");
        return (int)value;
    }

    private void Normalize()
    {
        if (_weekdays is <= 0 or >= 127) _weekdays = -1;
        if (_endOfMonth && _day is null) _endOfMonth = false;
        // Two-digit years: 70–99 are 19xx, 00–69 20xx.
        static int Year(int y) => y is >= 0 and < 70 ? y + 2000 : y is >= 70 and < 100 ? y + 1900 : y;
        if (_year is not null) _year = [.. _year.Select(i => new CalendarItem(Year(i.Start), i.Stop >= 0 ? Year(i.Stop) : i.Stop, i.Repeat))];
    }

    private void Validate()
    {
        Check(_year, MinYear, MaxYear, "year", false);
        Check(_month, 1, 12, "month", false);
        Check(_day, 1, 31, "day", _endOfMonth);
        Check(_hour, 0, 23, "hour", false);
        Check(_minute, 0, 59, "minute", false);
        Check(_usec, 0, 60 * UsecPerSec - 1, "second", false);
    }

    /// <summary>systemd's bounds: every value in the field's range, a repetition that can happen at least once; counted from the month's end, at most the 28th last day.</summary>
    private static void Check(List<CalendarItem>? items, int from, int to, string what, bool endOfMonth)
    {
        if (items is null) return;
        if (endOfMonth) to -= 3;
        string Show(int v) => what == "second" ? (v / (double)UsecPerSec).ToString("0.######", CultureInfo.InvariantCulture) : v.ToString(CultureInfo.InvariantCulture);
        foreach (var c in items)
        {
            string item = Show(c.Start) + (c.Stop >= 0 ? ".." + Show(c.Stop) : "") + (c.Repeat > 0 && !(c.Stop >= 0 && c.Repeat == (what == "second" ? UsecPerSec : 1)) ? "/" + Show(c.Repeat) : "");
            string bounds = endOfMonth ? $"counted from the month's end, a day is from 1 to {to}" : $"a {what} is from {Show(from)} to {Show(to)}";
            if (c.Start < from || c.Start > to || (c.Stop >= 0 && (c.Stop < from || c.Stop > to))) throw new UnitValueException($"'{item}': {bounds}");
            if (c.Repeat > to - from) throw new UnitValueException($"'{item}': a {what} cannot repeat every {Show(c.Repeat)}");
            if (c.Stop >= 0 ? c.Start + c.Repeat > c.Stop : endOfMonth ? c.Start - c.Repeat < from : c.Start + c.Repeat > to)
                throw new UnitValueException(c.Stop >= 0 && c.Start > c.Stop
                    ? $"'{item}': a range goes upwards"
                    : $"'{item}': the repetition cannot happen once within the {what}'s range");
        }
    }

    // ---- When it elapses: systemd 252's search over a broken-down local time ----

    /// <summary>A broken-down time whose fields may stand out of range until it is normalized (as C's struct tm).</summary>
    private struct Tm
    {
        public int Year, Mon, Mday, Hour, Min, Sec; // Mon 0–11
    }

    /// <summary>The fields carried into range and the instant they name in the zone (mktime with tm_isdst −1).</summary>
    private (Tm Tm, DateTimeOffset Instant) Normalized(Tm t)
    {
        var local = new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        try
        {
            local = new DateTime(t.Year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(t.Mon).AddDays(t.Mday - 1)
                .AddHours(t.Hour).AddMinutes(t.Min).AddSeconds(t.Sec);
        }
        catch (ArgumentOutOfRangeException) { local = DateTime.MaxValue.AddDays(-2); }
        TimeSpan offset;
        if (_zone.IsInvalidTime(local))
            offset = _zone.GetUtcOffset(local.AddHours(-3)); // a skipped hour: read with the offset before the change, as mktime does
        else if (_zone.IsAmbiguousTime(local))
            offset = _zone.GetAmbiguousTimeOffsets(local).Max();
        else
            offset = _zone.GetUtcOffset(local);
        var instant = new DateTimeOffset(local, offset);
        var back = TimeZoneInfo.ConvertTime(instant, _zone);
        return (new Tm { Year = back.Year, Mon = back.Month - 1, Mday = back.Day, Hour = back.Hour, Min = back.Minute, Sec = back.Second }, instant);
    }

    /// <summary>The day a count from the month's end names (1: the last), or −1 when it is not in the month.</summary>
    private int EndOfMonth(Tm tm, int day)
    {
        var t = tm;
        t.Mon++;
        t.Mday = 1 - day;
        var n = Normalized(t).Tm;
        return n.Mon != tm.Mon ? -1 : n.Mday;
    }

    /// <summary>The least value of the field at or after <paramref name="value"/>: −1 none, 0 the value itself, 1 a later one (set).</summary>
    private int Match(List<CalendarItem>? items, Tm tm, ref int value, bool day = false)
    {
        if (items is null) return 0;
        int? best = null;
        foreach (var c in items)
        {
            int start = c.Start, stop = c.Stop;
            if (day && _endOfMonth)
            {
                start = EndOfMonth(tm, c.Start);
                stop = EndOfMonth(tm, c.Stop);
                if (stop > 0) (start, stop) = (stop, start);
            }
            if (start >= value)
            {
                if (best is null || start < best) best = start;
            }
            else if (c.Repeat > 0)
            {
                long k = start + (long)c.Repeat * ((value - start + c.Repeat - 1) / c.Repeat);
                if ((best is null || k < best) && (stop < 0 || k <= stop) && k <= int.MaxValue) best = (int)k;
            }
        }
        if (best is not { } d) return -1;
        int changed = value != d ? 1 : 0;
        value = d;
        return changed;
    }

    /// <summary>1: the fields are in range; 0: they were not, and now hold where the calendar carried them (only the field below the first changed one reset); −1: past the last year, or backwards.</summary>
    private int WithinBounds(ref Tm tm)
    {
        if (tm.Year > MaxYear) return -1;
        var t = Normalized(tm).Tm;
        int cmp;
        if ((cmp = t.Year.CompareTo(tm.Year)) != 0) t.Mon = 0;
        else if ((cmp = t.Mon.CompareTo(tm.Mon)) != 0) t.Mday = 1;
        else if ((cmp = t.Mday.CompareTo(tm.Mday)) != 0) t.Hour = 0;
        else if ((cmp = t.Hour.CompareTo(tm.Hour)) != 0) t.Min = 0;
        else if ((cmp = t.Min.CompareTo(tm.Min)) != 0) t.Sec = 0;
        else cmp = t.Sec.CompareTo(tm.Sec);
        if (cmp < 0) return -1;
        if (cmp > 0) tm = t;
        return cmp == 0 ? 1 : 0;
    }

    private bool WeekdayMatches(Tm tm)
    {
        if (_weekdays < 0) return true;
        var d = Normalized(tm).Tm;
        int k = ((int)new DateTime(d.Year, d.Mon + 1, d.Mday).DayOfWeek + 6) % 7;
        return (_weekdays & (1 << k)) != 0;
    }

    /// <summary>The first elapse strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after)
    {
        long usecNow = (after.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 + 1;
        var start = TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(usecNow / UsecPerSec), _zone);
        var c = new Tm { Year = start.Year, Mon = start.Month - 1, Mday = start.Day, Hour = start.Hour, Min = start.Minute, Sec = start.Second };
        int usec = (int)(usecNow % UsecPerSec);
        for (int iteration = 0; iteration < 1000; iteration++)
        {
            c = Normalized(c).Tm;
            int r = Match(_year, c, ref c.Year);
            if (r > 0) { c.Mon = 0; c.Mday = 1; c.Hour = c.Min = c.Sec = usec = 0; }
            if (r < 0 || WithinBounds(ref c) <= 0) return null;

            int month = c.Mon + 1;
            r = Match(_month, c, ref month);
            c.Mon = month - 1;
            if (r > 0) { c.Mday = 1; c.Hour = c.Min = c.Sec = usec = 0; }
            if (r < 0 || (r = WithinBounds(ref c)) < 0) { c.Year++; c.Mon = 0; c.Mday = 1; c.Hour = c.Min = c.Sec = usec = 0; continue; }
            if (r == 0) continue;

            r = Match(_day, c, ref c.Mday, day: true);
            if (r > 0) { c.Hour = c.Min = c.Sec = usec = 0; }
            if (r < 0 || (r = WithinBounds(ref c)) < 0) { c.Mon++; c.Mday = 1; c.Hour = c.Min = c.Sec = usec = 0; continue; }
            if (r == 0) continue;

            if (!WeekdayMatches(c)) { c.Mday++; c.Hour = c.Min = c.Sec = usec = 0; continue; }

            r = Match(_hour, c, ref c.Hour);
            if (r > 0) { c.Min = c.Sec = usec = 0; }
            if (r < 0 || (r = WithinBounds(ref c)) < 0) { c.Mday++; c.Hour = c.Min = c.Sec = usec = 0; continue; }
            if (r == 0) continue; // a clock change may have moved it: again from there

            r = Match(_minute, c, ref c.Min);
            if (r > 0) { c.Sec = usec = 0; }
            if (r < 0 || (r = WithinBounds(ref c)) < 0) { c.Hour++; c.Min = c.Sec = usec = 0; continue; }
            if (r == 0) continue;

            int sec = c.Sec * UsecPerSec + usec;
            r = Match(_usec, c, ref sec);
            usec = sec % UsecPerSec;
            c.Sec = sec / UsecPerSec;
            if (r < 0 || (r = WithinBounds(ref c)) < 0) { c.Min++; c.Sec = usec = 0; continue; }
            if (r == 0) continue;

            return Normalized(c).Instant.AddTicks(usec * 10L);
        }
        return null;
    }
}
