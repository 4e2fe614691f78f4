namespace Corral.Core.Units;

/// <summary>Environment= assignments and EnvironmentFile= contents.</summary>
public static class EnvironmentParser
{
    /// <summary>Environment="A=1 2" B=3: quoted words, each NAME=VALUE.</summary>
    public static List<KeyValuePair<string, string>> ParseAssignments(string value)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var word in WordSplitter.Split(value))
        {
            int eq = word.IndexOf('=');
            if (eq <= 0 || !IsValidName(word[..eq]))
                throw new UnitValueException($"'{word}' is not a NAME=VALUE assignment");
            list.Add(new(word[..eq], word[(eq + 1)..]));
        }
        return list;
    }

    /// <summary>
    /// An environment file: KEY=VALUE lines, '#' and ';' comments, an optional "export ",
    /// values optionally in single or double quotes, a trailing backslash continuing the line.
    /// Returns diagnostics for lines that are not assignments rather than failing the whole file.
    /// </summary>
    public static List<KeyValuePair<string, string>> ParseFile(string file, string text, List<Diagnostic> diagnostics)
    {
        var list = new List<KeyValuePair<string, string>>();
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNo = i + 1;
            string line = lines[i].Trim();
            while (line.EndsWith('\\') && i + 1 < lines.Length)
                line = line[..^1] + lines[++i].Trim();
            if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            int eq = line.IndexOf('=');
            if (eq <= 0 || !IsValidName(line[..eq].TrimEnd()))
            {
                diagnostics.Add(new(Severity.Warning, file, lineNo, $"'{line}' is not KEY=VALUE, ignored"));
                continue;
            }
            string val = line[(eq + 1)..].Trim();
            if (val.Length >= 2 && (val[0] == '"' || val[0] == '\'') && val[^1] == val[0])
            {
                val = val[1..^1];
                if (line[eq + 1] == '"') val = val.Replace("\\\"", "\"").Replace("\\\\", "\\");
            }
            list.Add(new(line[..eq].TrimEnd(), val));
        }
        return list;
    }

    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return true;
    }
}
