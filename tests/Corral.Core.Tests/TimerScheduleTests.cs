using Corral.Core.Timers;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>
/// #20 item 3: timer units as systemd.timer(5) reads them, and when each next elapses
/// (TimerSchedule follows systemd 252's timer_enter_waiting): spans from their bases, one-time
/// triggers spent once passed, calendar events from the last trigger, the unit's own activity.
/// </summary>
public sealed class TimerScheduleTests
{
    private static UnitLoadResult Load(string name, string text) => ServiceUnitLoader.Load($"/u/{name}", text);

    private static TimerUnit Timer(string body, string name = "t.timer")
    {
        var load = Load(name, "[Timer]\n" + body);
        Assert.True(load.Timer is not null, string.Join("\n", load.Diagnostics));
        return load.Timer!;
    }

    private static readonly DateTimeOffset Noon = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A moment <paramref name="sinceBoot"/> after a boot at 02:00 today.</summary>
    private static TimerMoment At(TimeSpan sinceBoot) => new(Noon.Date.AddHours(2) + sinceBoot, sinceBoot);

    private static TimerFacts Facts(TimeSpan now, TimeSpan? activated = null) => new()
    {
        Now = At(now), Activated = activated is { } a ? At(a) : null, Startup = At(TimeSpan.FromMinutes(1)),
    };

    [Fact]
    public void Every_timer_Debian_ships_here_loads_with_its_unit_and_triggers()
    {
        var files = Directory.GetFiles("/lib/systemd/system", "*.timer");
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var load = ServiceUnitLoader.LoadFile(file);
            Assert.True(load.Timer is not null, $"{file}: {string.Join("; ", load.Diagnostics)}");
            Assert.DoesNotContain(load.Diagnostics, d => d.Severity == Severity.Error);
            Assert.NotEmpty(load.Timer!.Values);
            string stem = Path.GetFileNameWithoutExtension(file);
            Assert.Equal(stem + ".service", load.Timer.Unit);
            Assert.Contains("timers.target", load.Timer.Dependencies.Of(DependencyKind.Before));
            Assert.Contains(load.Timer.Unit, load.Timer.Dependencies.Of(DependencyKind.Before));
        }
        var fstrim = ServiceUnitLoader.LoadFile("/lib/systemd/system/fstrim.timer").Timer!;
        Assert.Equal(("OnCalendar=weekly", TimeSpan.FromHours(1), TimeSpan.FromMinutes(100), true), (fstrim.Values.Single().ToString(), fstrim.Accuracy, fstrim.RandomizedDelay, fstrim.Persistent));
        var tmpfiles = ServiceUnitLoader.LoadFile("/lib/systemd/system/systemd-tmpfiles-clean.timer").Timer!;
        Assert.Equal(["OnBootSec=15min", "OnUnitActiveSec=1d"], tmpfiles.Values.Select(v => v.ToString()));
    }

    [Fact]
    public void Bad_timers_are_refused_naming_file_line_and_what_failed()
    {
        var bad = Load("t.timer", "[Unit]\nDescription=x\n[Timer]\nOnCalendar=*-*-* 25:00\n");
        Assert.Null(bad.Timer);
        var e = bad.Diagnostics.Single(d => d.Severity == Severity.Error);
        Assert.Equal(("/u/t.timer", 4), (e.File, e.Line));
        Assert.Contains("OnCalendar=*-*-* 25:00", e.Message);
        Assert.Contains("'25'", e.Message);

        Assert.Contains("has no OnCalendar=", Load("t.timer", "[Timer]\nPersistent=yes\n").FirstError);
        Assert.Contains("names a timer", Load("t.timer", "[Timer]\nOnActiveSec=1\nUnit=other.timer\n").FirstError);
        Assert.Contains("not a unit name", Load("t.timer", "[Timer]\nOnActiveSec=1\nUnit=../x.service\n").FirstError);
        Assert.Contains("cannot be infinity", Load("t.timer", "[Timer]\nOnBootSec=infinity\n").FirstError);
        Assert.Contains("'soon' is not a time span", Load("t.timer", "[Timer]\nOnBootSec=soon\n").FirstError);
        // An empty value resets every trigger, as systemd's: none is left.
        Assert.Contains("has no OnCalendar=", Load("t.timer", "[Timer]\nOnBootSec=1h\nOnCalendar=daily\nOnCalendar=\n").FirstError);
        // A [Service] section in a timer is another unit's: warned, not applied.
        var mixed = Load("t.timer", "[Timer]\nOnBootSec=1h\n[Service]\nExecStart=/bin/true\n");
        Assert.NotNull(mixed.Timer);
        Assert.Contains(mixed.Diagnostics, d => d.Severity == Severity.Warning && d.Message.Contains("unknown section [Service] in a timer"));
        // WakeSystem= is read, not enforced: said, not an unknown key.
        Assert.Contains(Load("t.timer", "[Timer]\nOnBootSec=1h\nWakeSystem=yes\n").NotEnforced, n => n.Key == "WakeSystem");
        Assert.Equal("web.service", Timer("OnActiveSec=1\nUnit=web.service").Unit);
        Assert.Contains("does not end in .service", Load("t.timer", "[Timer]\nOnActiveSec=1\nUnit=web\n").FirstError); // systemd wants the whole name here
    }

    [Fact]
    public void OnActiveSec_counts_from_the_timers_start_and_is_spent_once_it_triggered()
    {
        var t = Timer("OnActiveSec=5min");
        var plan = TimerSchedule.Plan(t, Facts(TimeSpan.FromHours(1), activated: TimeSpan.FromHours(1)), new HashSet<int>());
        Assert.Equal(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(5), plan.Monotonic);
        Assert.Null(plan.Realtime);
        // Triggered at its elapse: the span lies in the past, and is spent.
        var after = Facts(TimeSpan.FromHours(1.1), TimeSpan.FromHours(1)) with { LastTriggerMonotonic = TimeSpan.FromHours(1.09), LastTriggerRealtime = At(TimeSpan.FromHours(1.09)).Realtime };
        var spent = TimerSchedule.Plan(t, after, new HashSet<int>());
        Assert.True(spent.Elapsed);
        Assert.Equal([0], spent.Disabled);
        Assert.False(spent.WatchesUnit);
    }

    [Fact]
    public void OnBootSec_long_past_fires_at_once_the_first_time_and_OnUnitActiveSec_counts_from_the_later_of_unit_and_trigger()
    {
        var t = Timer("OnBootSec=15min\nOnUnitActiveSec=1d"); // systemd-tmpfiles-clean.timer
        var now = TimeSpan.FromHours(10);
        var first = TimerSchedule.Plan(t, Facts(now, now), new HashSet<int>());
        Assert.Equal(TimeSpan.FromMinutes(15), first.Monotonic); // in the past: due at once
        Assert.True(first.WatchesUnit);
        var facts = Facts(now + TimeSpan.FromMinutes(1), now) with
        {
            LastTriggerMonotonic = now, LastTriggerRealtime = At(now).Realtime, UnitActivated = now + TimeSpan.FromSeconds(2),
        };
        var next = TimerSchedule.Plan(t, facts, new HashSet<int>());
        Assert.Equal(now + TimeSpan.FromSeconds(2) + TimeSpan.FromDays(1), next.Monotonic);
        Assert.Equal([0], next.Disabled); // OnBootSec= is spent
    }

    [Fact]
    public void OnUnitInactiveSec_waits_for_the_unit_to_have_changed_and_stays_elapsed_meanwhile()
    {
        var t = Timer("OnUnitInactiveSec=1h\nRemainAfterElapse=no");
        var none = TimerSchedule.Plan(t, Facts(TimeSpan.FromHours(3), TimeSpan.FromHours(3)), new HashSet<int>());
        Assert.True(none.Elapsed);
        Assert.True(none.WatchesUnit); // kept active though RemainAfterElapse=no: the unit may still change
        var stopped = TimerSchedule.Plan(t, Facts(TimeSpan.FromHours(3), TimeSpan.FromHours(3)) with { UnitDeactivated = TimeSpan.FromHours(2.5) }, new HashSet<int>());
        Assert.Equal(TimeSpan.FromHours(3.5), stopped.Monotonic);
    }

    [Fact]
    public void A_calendar_event_counts_from_the_last_trigger_else_the_start_and_one_before_the_daemons_start_is_due_at_it()
    {
        var t = Timer("OnCalendar=*-*-* 03:00:00 UTC");
        var now = TimeSpan.FromHours(10); // 12:00
        Assert.Equal(Noon.Date.AddDays(1).AddHours(3), TimerSchedule.Plan(t, Facts(now, now), new HashSet<int>()).Realtime);
        // Persistent='s stamp says it last ran yesterday at 03:00: today's 03:00 was missed, and is due (in the past: at once).
        var stamp = Facts(now, now) with { LastTriggerRealtime = Noon.Date.AddDays(-1).AddHours(3) };
        Assert.Equal(Noon.Date.AddHours(3), TimerSchedule.Plan(t, stamp, new HashSet<int>()).Realtime);
        // Last run a week ago: what was missed before the daemon started (at 02:01) is due at its start.
        var old = Facts(now, now) with { LastTriggerRealtime = Noon.Date.AddDays(-7).AddHours(3) };
        Assert.Equal(At(TimeSpan.FromMinutes(1)).Realtime, TimerSchedule.Plan(t, old, new HashSet<int>()).Realtime);
        // Without it (a daemon that was down, no Persistent=): nothing before the floor is made up.
        Assert.Equal(Noon.Date.AddDays(1).AddHours(3), TimerSchedule.Plan(t, stamp with { CalendarFloor = At(now).Realtime }, new HashSet<int>()).Realtime);
        // An event that never comes again: elapsed.
        Assert.True(TimerSchedule.Plan(Timer("OnCalendar=2020-01-01 00:00 UTC"), Facts(now, now) with { LastTriggerRealtime = Noon }, new HashSet<int>()).Elapsed);
    }

    [Fact]
    public void The_accuracy_window_is_placed_late_at_the_machines_spot_of_the_minute_and_the_random_delay_stays_in_range()
    {
        const long minute = 60_000_000, a = 1_000 * minute;
        Assert.Equal(a + 17_500_000, TimerSchedule.Coalesce(a, a + minute, 17_500_000)); // the machine's spot within the minute
        Assert.Equal(a + 7_500_000, TimerSchedule.Coalesce(a, a + 10_000_000, 17_500_000)); // a 10 s window: its spot of 10 s
        Assert.Equal(a, TimerSchedule.Coalesce(a, a + 1, 17_500_000)); // AccuracySec=1us: on time
        Assert.Equal(a + 123, TimerSchedule.Coalesce(a, a + 100_000, 17_500_123)); // a 100 ms window: its spot of 250 ms
        Assert.Equal(a + 100_000, TimerSchedule.Coalesce(a, a + 100_000, 17_450_000)); // no spot in it: the window's end

        var t = Timer("OnCalendar=daily\nRandomizedDelaySec=1h\nFixedRandomDelay=yes");
        var fixedDelay = TimerSchedule.RandomDelay(t, 123456789, new Random(1));
        Assert.Equal(fixedDelay, TimerSchedule.RandomDelay(t, 123456789, new Random(2)));
        var free = Timer("OnCalendar=daily\nRandomizedDelaySec=1h");
        var picks = Enumerable.Range(0, 200).Select(_ => TimerSchedule.RandomDelay(free, 0, Random.Shared)).ToList();
        Assert.All(picks, p => Assert.InRange(p, TimeSpan.Zero, TimeSpan.FromHours(1) - TimeSpan.FromTicks(1)));
        Assert.True(picks.Distinct().Count() > 150);
        Assert.Equal(TimeSpan.Zero, TimerSchedule.RandomDelay(Timer("OnCalendar=daily"), 5, Random.Shared));
    }
}
