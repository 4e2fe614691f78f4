namespace Corral.Core.Units;

/// <summary>
/// The systemd unit-file syntax (systemd.syntax(7)): sections, comments starting with
/// '#' or ';', a trailing backslash continuing a line, <c>Key=Value</c> with whitespace trimmed.
/// Knows nothing of which keys exist.
/// </summary>
public static class UnitFileSyntax
{
    public static IReadOnlyList<UnitEntry> Parse(string file, string text, List<Diagnostic> diagnostics)
    {
        var entries = new List<UnitEntry>();
        string? section = null;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || IsComment(line))
                continue;

            // Continuation: the backslash becomes a space; comment lines inside are skipped.
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " ";
                string next;
                do next = lines[++i].Trim();
                while (IsComment(next) && i + 1 < lines.Length);
                if (!IsComment(next)) line += next;
            }
            if (line.EndsWith('\\'))
                line = line[..^1];

            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    diagnostics.Add(new(Severity.Error, file, lineNo, $"malformed section header '{line}'"));
                    section = null;
                    continue;
                }
                section = line[1..^1];
                continue;
            }

            int eq = line.IndexOf('=');
            if (eq <= 0)
            {
                diagnostics.Add(new(Severity.Error, file, lineNo, $"line is neither a section header nor Key=Value: '{line}'"));
                continue;
            }
            if (section is null)
            {
                diagnostics.Add(new(Severity.Warning, file, lineNo, $"assignment '{line}' outside of any section, ignored"));
                continue;
            }
            entries.Add(new UnitEntry(section, line[..eq].TrimEnd(), line[(eq + 1)..].TrimStart(), lineNo));
        }
        return entries;
    }

    private static bool IsComment(string line) => line.Length > 0 && (line[0] == '#' || line[0] == ';');
}
