using Corral.Core.Timers;

namespace Corral.Core.Units;

public static partial class ServiceUnitLoader
{
    /// <summary>The [Timer] directives read so far (systemd.timer(5)).</summary>
    private sealed class TimerBuilder
    {
        public readonly List<TimerValue> Values = [];
        public TimeSpan Accuracy = TimeSpan.FromMinutes(1), RandomizedDelay;
        public bool FixedRandomDelay, Persistent, RemainAfterElapse = true;
        public string? Unit;
    }

    /// <summary>[Timer]: the triggers, each of which may be given many times; an empty value of any resets them all, as systemd does.</summary>
    private static Dictionary<(string Section, string Key), Apply> WithTimer(Dictionary<(string Section, string Key), Apply> d)
    {
        foreach (var kind in Enum.GetValues<TimerBase>())
            d[("Timer", TimerBaseNames.Directive(kind))] = (b, v, _) =>
            {
                if (v.Length == 0) { b.Timing.Values.Clear(); return; }
                b.Timing.Values.Add(kind == TimerBase.Calendar
                    ? TimerValue.OnCalendar(CalendarSpec.Parse(Specifiers.Expand(v, b.Name)))
                    : new TimerValue(kind, TimeSpanParser.Parse(v) is var span && span == TimeSpan.MaxValue
                        ? throw new UnitValueException("cannot be infinity: a timer elapses after a finite span") : span, null));
            };
        d[("Timer", "AccuracySec")] = (b, v, ctx) =>
        {
            var span = TimeSpanParser.Parse(v);
            // systemd: an accuracy of 0 is taken as 1 µs, the finest there is.
            b.Timing.Accuracy = span == TimeSpan.Zero ? TimeSpan.FromTicks(10) : span;
        };
        d[("Timer", "RandomizedDelaySec")] = (b, v, _) => b.Timing.RandomizedDelay = TimeSpanParser.Parse(v) is var s && s == TimeSpan.MaxValue
            ? throw new UnitValueException("cannot be infinity") : s;
        d[("Timer", "FixedRandomDelay")] = (b, v, _) => b.Timing.FixedRandomDelay = ParseBool(v);
        d[("Timer", "Persistent")] = (b, v, _) => b.Timing.Persistent = ParseBool(v);
        d[("Timer", "RemainAfterElapse")] = (b, v, _) => b.Timing.RemainAfterElapse = ParseBool(v);
        d[("Timer", "Unit")] = (b, v, _) =>
        {
            string name = Specifiers.Expand(v, b.Name);
            if (UnitNames.Invalid(name) is { } why) throw new UnitValueException($"{why}: not a unit name");
            if (UnitNames.IsTimer(name)) throw new UnitValueException("names a timer: a timer starts a unit of another type");
            if (UnitNames.IsTemplate(name) && !UnitNames.IsTemplate(b.Name)) throw new UnitValueException("names a template: a timer starts an instance (NAME@INSTANCE.service)");
            b.Timing.Unit = name;
        };
        return d;
    }

    private sealed partial class Builder
    {
        public readonly TimerBuilder Timing = new();

        /// <summary>
        /// The timer, with what systemd implies: Before= the unit it starts (so both in one transaction
        /// start the timer first), and with DefaultDependencies= Before=timers.target.
        /// </summary>
        public TimerUnit BuildTimer()
        {
            if (Timing.Values.Count == 0)
                throw new UnitValueException("timer has no OnCalendar=, OnActiveSec=, OnBootSec=, OnStartupSec=, OnUnitActiveSec= or OnUnitInactiveSec= setting, refusing to load");
            string unit = Timing.Unit ?? Name[..^UnitNames.TimerSuffix.Length] + UnitNames.ServiceSuffix;
            if (UnitNames.IsTemplate(unit) && !UnitNames.IsTemplate(Name))
                throw new UnitValueException($"a template timer starts no unit: name an instance of it ({Name[..^UnitNames.TimerSuffix.Length]}INSTANCE{UnitNames.TimerSuffix})");
            var before = new List<string> { unit };
            if (DefaultDependencies) before.Add("timers.target");
            var deps = BuildDependencies().With(DependencyKind.Before, before);
            return new TimerUnit
            {
                Name = Name, FilePath = FilePath, Description = Description, Dependencies = deps, Install = BuildInstall(),
                Conditions = [.. Conditions], Asserts = [.. Asserts], Values = [.. Timing.Values], Unit = unit,
                Accuracy = Timing.Accuracy, RandomizedDelay = Timing.RandomizedDelay, FixedRandomDelay = Timing.FixedRandomDelay,
                Persistent = Timing.Persistent, RemainAfterElapse = Timing.RemainAfterElapse, IgnoreOnIsolate = IgnoreOnIsolate,
            };
        }
    }
}
