using System.Globalization;
using Corral.Core.Killing;
using Corral.Core.Signals;

namespace Corral.Core.Units;

/// <summary>
/// Turns a unit file's entries into a <see cref="ServiceUnit"/>. Unknown keys and sections
/// warn with file and line and are ignored, "X-" sections are skipped silently, as systemd does.
/// A value that does not parse is an error naming file, line, key and value; a unit with an
/// error is not loaded (it cannot be started), where systemd would often ignore the line.
/// </summary>
public static partial class ServiceUnitLoader
{
    /// <summary>
    /// Loads a unit from its file's text and then its drop-ins' (systemd.unit(5) "drop-in"), in the
    /// order given: each assignment applies on top of what came before, as if appended to the file
    /// (a list key adds, an empty value resets it). Every finding names the file it is in.
    /// <paramref name="unitName"/> is the unit's name when it is not the file's: an instance
    /// ("getty@tty1.service") made from its template's file ("getty@.service").
    /// </summary>
    public static UnitLoadResult Load(string filePath, string text, IReadOnlyList<(string Path, string Text)>? dropIns = null, string? unitName = null)
    {
        string name = unitName ?? Path.GetFileName(filePath);
        var diagnostics = new List<Diagnostic>();
        bool isTarget = UnitNames.IsTarget(name), isTimer = UnitNames.IsTimer(name), isSocket = UnitNames.IsSocket(name);
        if (!UnitNames.IsService(name) && !isTarget && !isTimer && !isSocket)
            diagnostics.Add(new(Severity.Error, filePath, 0, "unit file name must end in .service, .target, .timer or .socket"));
        string[] sections = isTarget ? ["Unit", "Install"] : isTimer ? ["Unit", "Timer", "Install"] : isSocket ? ["Unit", "Socket", "Install"]
            : ["Unit", "Service", "Install", "X-Corral"];

        var sources = new List<(string Path, string Text)> { (filePath, text) };
        sources.AddRange(dropIns ?? []);
        var b = new Builder(name, filePath);
        var notEnforced = new List<NotEnforcedDirective>();
        foreach (var (path, source) in sources)
            ApplyEntries(b, path, UnitFileSyntax.Parse(path, source, diagnostics), diagnostics, notEnforced, sections);

        if (isTimer)
        {
            Timers.TimerUnit? timer = null;
            // A line already refused is the error to read: "no trigger left" after it would only repeat it.
            if (!diagnostics.Any(d => d.Severity == Severity.Error))
            {
                try { timer = b.BuildTimer() with { DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)] }; }
                catch (UnitValueException ex) { diagnostics.Add(new(Severity.Error, filePath, 0, ex.Message)); }
            }
            return new UnitLoadResult(name, filePath, null, diagnostics)
            {
                Timer = diagnostics.Any(d => d.Severity == Severity.Error) ? null : timer,
                DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)],
                NotEnforced = notEnforced,
                Documentation = [.. b.Documentation],
            };
        }
        if (isSocket)
        {
            Sockets.SocketUnit? socket = null;
            if (!diagnostics.Any(d => d.Severity == Severity.Error))
            {
                try { socket = b.BuildSocket() with { DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)] }; }
                catch (UnitValueException ex) { diagnostics.Add(new(Severity.Error, filePath, 0, ex.Message)); }
            }
            return new UnitLoadResult(name, filePath, null, diagnostics)
            {
                Socket = diagnostics.Any(d => d.Severity == Severity.Error) ? null : socket,
                DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)],
                NotEnforced = notEnforced,
                Documentation = [.. b.Documentation],
            };
        }
        if (isTarget)
        {
            var target = b.BuildTarget() with { DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)] };
            return new UnitLoadResult(name, filePath, null, diagnostics)
            {
                Target = diagnostics.Any(d => d.Severity == Severity.Error) ? null : target,
                DropInPaths = target.DropInPaths,
                NotEnforced = notEnforced,
                Documentation = [.. b.Documentation],
            };
        }
        ServiceUnit? unit = null;
        try
        {
            unit = b.Build(diagnostics) with
            {
                DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)],
                RunsWithout = [.. notEnforced.Select(n => n.Key + "=").Distinct()],
                NotEnforcedSettings = [.. notEnforced.Select(n => new KeyValuePair<string, string>(n.Key, n.Value))],
            };
        }
        catch (UnitValueException ex)
        {
            diagnostics.Add(new(Severity.Error, filePath, 0, ex.Message));
        }
        return new UnitLoadResult(name, filePath, diagnostics.Any(d => d.Severity == Severity.Error) ? null : unit, diagnostics)
        {
            DropInPaths = [.. (dropIns ?? []).Select(d => d.Path)],
            NotEnforced = notEnforced,
            Documentation = [.. b.Documentation],
        };
    }

    private static void ApplyEntries(Builder b, string filePath, IReadOnlyList<UnitEntry> entries, List<Diagnostic> diagnostics, List<NotEnforcedDirective> notEnforced, string[] sections)
    {
        var warnedSections = new HashSet<string>();
        foreach (var e in entries)
        {
            // systemd skips X- sections, so Corral's own settings there leave the unit valid for systemd.
            if (e.Section.StartsWith("X-", StringComparison.Ordinal) && e.Section != "X-Corral")
                continue;
            // A target has no processes: [Unit] and [Install] only; a timer adds [Timer].
            if (!sections.Contains(e.Section))
            {
                if (warnedSections.Add(e.Section))
                    diagnostics.Add(new(Severity.Warning, filePath, e.Line, $"unknown section [{e.Section}]{(sections.Contains("Service") ? "" : $" in a {Path.GetExtension(b.Name)[1..]}")}, ignored"));
                continue;
            }
            if (!Directives.TryGetValue((e.Section, e.Key), out var apply))
            {
                // A systemd directive Corral does not act on yet: the service runs without it, and says so.
                if (NotEnforcedDirectives.TryGet(e.Section, e.Key, out string category))
                {
                    notEnforced.Add(new NotEnforcedDirective(filePath, e.Line, e.Section, e.Key, category, e.Value));
                    continue;
                }
                diagnostics.Add(new(Severity.Warning, filePath, e.Line, $"unknown key {e.Key}= in [{e.Section}], ignored"));
                continue;
            }
            try
            {
                apply(b, e.Value, new Context(filePath, e, diagnostics));
            }
            catch (UnitValueException ex)
            {
                // "KillMode=group is not one of …", "TimeoutStopSec=soon: 'soon' is not a time span …"
                string sep = ex.Message.StartsWith("is ", StringComparison.Ordinal) ? " " : ": ";
                diagnostics.Add(new(Severity.Error, filePath, e.Line, $"{e.Key}={e.Value}{sep}{ex.Message}"));
            }
        }
    }

    /// <summary>Loads a unit file and the drop-in files given (their paths, in the order they apply).</summary>
    public static UnitLoadResult LoadFile(string filePath, IReadOnlyList<string>? dropInPaths = null, string? unitName = null)
    {
        var dropIns = new List<(string, string)>();
        string current = filePath;
        try
        {
            string text = File.ReadAllText(filePath);
            foreach (var d in dropInPaths ?? [])
            {
                current = d;
                dropIns.Add((d, File.ReadAllText(d)));
            }
            return Load(filePath, text, dropIns, unitName);
        }
        catch (Exception ex) when (FileErrors.Is(ex))
        {
            return new UnitLoadResult(unitName ?? Path.GetFileName(filePath), filePath, null,
                [new Diagnostic(Severity.Error, current, 0, $"cannot read {(current == filePath ? "unit file" : "drop-in")}: {ex.Message}")]);
        }
    }

    private readonly record struct Context(string File, UnitEntry Entry, List<Diagnostic> Diagnostics)
    {
        public void Warn(string message) => Diagnostics.Add(new(Severity.Warning, File, Entry.Line, $"{Entry.Key}={Entry.Value}: {message}"));
    }

    private static bool ParseBool(string v) =>
        TryParseBool(v) ?? throw new UnitValueException("is not a boolean (yes/no, true/false, on/off, 1/0)");

    /// <summary>systemd's booleans; null for anything else (a directive that also takes words, as ProtectSystem=).</summary>
    internal static bool? TryParseBool(string v) => v switch
    {
        "1" or "yes" or "y" or "true" or "t" or "on" => true,
        "0" or "no" or "n" or "false" or "f" or "off" => false,
        _ => null,
    };

    private static int ParseSignal(string v) => SignalNames.TryParse(v, out int s)
        ? s
        : throw new UnitValueException("is not a signal (examples: SIGTERM, TERM, 15, SIGRTMIN+3)");

    private static TimeSpan ParseTimeout(string v)
    {
        var t = TimeSpanParser.Parse(v);
        return t == TimeSpan.Zero ? TimeSpan.MaxValue : t; // systemd: 0 disables the timeout
    }

    private static void AddCommands(List<ExecCommand> list, string value)
    {
        if (value.Length == 0) { list.Clear(); return; }
        list.AddRange(ExecCommandParser.Parse(value));
    }
}
