using System.Diagnostics;
using System.Globalization;
using Corral.Core.Timers;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>
/// #20 item 3, the calendar engine: OnCalendar= expressions elapse when systemd says they do. Each
/// expression's next elapses from fixed base times are compared with Debian's
/// `systemd-analyze calendar --base-time=… --iterations=N` (which runs here without systemd as
/// PID 1): every OnCalendar= of the timer units on this machine, and a generated set — weekday
/// ranges, lists, repetitions, "~" last days, leap days, and the clock changes of a named zone.
/// </summary>
public sealed class CalendarSpecTests
{
    private const int Iterations = 8;

    /// <summary>Base times: an ordinary day, just before a leap day, the night Berlin skips an hour, the night it repeats one, a year's end.</summary>
    private static readonly string[] Bases =
        ["2026-12-03 01:07:13 UTC", "2028-02-27 23:59:59 UTC", "2024-03-30 12:00:00 UTC", "2024-10-26 22:30:00 UTC", "2025-12-31 23:59:30 UTC"];

    public static readonly string[] Generated =
    [
        "daily", "weekly", "monthly", "yearly", "hourly", "minutely", "quarterly", "semiannually", "annually",
        "Mon..Fri *-*-* 02:30", "Sat,Sun 10:00", "Mon,Wed..Fri 06:00:00", "Sun", "Wed 08:00",
        "*-*-* 6,18:00", "*-*-* 00/15:00", "*-*-* *:0/20", "*-*-* 08..17:00,30:00", "*-*-* 9..17/2:15", "*:*:0/15",
        "*-*-31 12:00", "*-02-29 00:00", "*-02~01", "*-*~01 23:59:59", "*-*~01..03 04:00", "*-*~05/2", "*-*~07/3 08:00", "*-*~01..05/2",
        "*-*-1/7 00:00", "*-01,04,07,10-01", "2027-06-15 14:30", "27-06-15 14:30", "2025-*-* 10:00", "2026..2030-03-01",
        "Mon *-*-1..7 09:00", "Fri *-*-13 13:13", "*-*-* 02:30 Europe/Berlin", "*-*-* 01:30 Europe/Berlin",
        "*-*-* 03:00 Europe/Berlin", "Sun *-*-* 02:00:00 Europe/Berlin", "*-*-* 12:00 UTC", "*-*-* 00:00 America/New_York",
        "*-*-* 1:30 America/New_York", "*-12-31 23:59:59", "*-*-* 23:59:59", "*-*-* *:*:10.5", "*-*-* 12:00:00..10/2.5",
        "@1800000000", "Mon-Wed 08:00", "Tuesday,Thursday 18:30", "*-*-* 02:00..03:00/30 Europe/Berlin", "mon..fri 9:00",
    ];

    [Fact]
    public void Every_timer_of_this_machine_and_the_generated_expressions_elapse_as_systemd_analyze_says()
    {
        var expressions = new List<string>(Generated);
        foreach (var timer in Directory.GetFiles("/lib/systemd/system", "*.timer"))
            foreach (var line in File.ReadAllLines(timer))
                if (line.StartsWith("OnCalendar=", StringComparison.Ordinal) && !expressions.Contains(line[11..])) expressions.Add(line[11..]);
        Assert.True(expressions.Count > Generated.Length, "no timer unit of this machine has OnCalendar=");

        var failures = new List<string>();
        foreach (var basis in Bases)
        {
            var theirs = SystemdAnalyze(basis, expressions);
            var from = DateTimeOffset.Parse(basis[..^4], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            foreach (var e in expressions)
            {
                var spec = CalendarSpec.Parse(e);
                var ours = new List<string>();
                var at = from;
                for (int k = 0; k < Iterations; k++)
                {
                    if (spec.Next(at) is not { } next) { if (k == 0) ours.Add("never"); break; }
                    ours.Add(next.UtcDateTime.ToString("ddd yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC");
                    at = next;
                }
                if (!theirs[e].SequenceEqual(ours))
                    failures.Add($"{e} from {basis}:\n  systemd: {string.Join(", ", theirs[e])}\n  Corral:  {string.Join(", ", ours)}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} differences:\n" + string.Join("\n", failures));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("Mon..Fry", "'Fry' is not a weekday")]
    [InlineData("*-13-01", "'13': a month is from 1 to 12")]
    [InlineData("*-*-* 24:00", "'24': a hour is from 0 to 23")]
    [InlineData("*-*-* 12:00/0", "a minute repeats every 1 or more")]
    [InlineData("*-*-* 1x:00", "'x' cannot follow a hour")]
    [InlineData("*-*-* 12:00 Mars/Olympus", "'12:00 Mars/Olympus' is not a time")]
    [InlineData("*-*-05..01", "a range goes upwards")]
    [InlineData("12:00:00:00", "':00' is left over")]
    [InlineData("Fri..Mon 12:00", "a range of weekdays goes from Monday towards Sunday")]
    [InlineData("*-02~01/1", "the repetition cannot happen once")]
    [InlineData("*-*-* 12:00:61", "a second is from 0 to 59.999999")]
    [InlineData("*-*-* 12:00:00/0", "a second repeats every 1 or more")]
    public void A_bad_expression_names_the_part_that_failed(string text, string message)
    {
        var e = Assert.Throws<UnitValueException>(() => CalendarSpec.Parse(text));
        Assert.Contains(message, e.Message);
    }

    /// <summary>Each expression's elapses from the base, in UTC ("Thu 2026-12-03 02:30:00 UTC", or "never"), as systemd-analyze prints them.</summary>
    private static Dictionary<string, List<string>> SystemdAnalyze(string basis, List<string> expressions)
    {
        var psi = new ProcessStartInfo("/usr/bin/systemd-analyze", ["calendar", $"--base-time={basis}", $"--iterations={Iterations}", .. expressions])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["TZ"] = "UTC";
        psi.Environment["SYSTEMD_COLORS"] = "0";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        // One block per expression, in order: "Original form:" only where the normalized form differs, then "Normalized form:".
        var blocks = new List<List<string>>();
        bool afterOriginal = false;
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith("Original form: ", StringComparison.Ordinal)) { blocks.Add([]); afterOriginal = true; continue; }
            if (line.StartsWith("Normalized form: ", StringComparison.Ordinal))
            {
                if (!afterOriginal) blocks.Add([]);
                afterOriginal = false;
                continue;
            }
            if (blocks.Count > 0 && (line.StartsWith("Next elapse: ", StringComparison.Ordinal) || line.StartsWith("Iter. #", StringComparison.Ordinal)))
                blocks[^1].Add(line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
        }
        var result = new Dictionary<string, List<string>>();
        for (int k = 0; k < Math.Min(blocks.Count, expressions.Count); k++) result[expressions[k]] = blocks[k];
        Assert.True(blocks.Count == expressions.Count, $"systemd-analyze answered for {blocks.Count} of {expressions.Count}: {err.Result}");
        return result;
    }
}
