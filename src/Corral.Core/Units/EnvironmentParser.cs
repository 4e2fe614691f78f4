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
    /// An environment file, read as systemd reads one (its load_env_file): KEY=VALUE, '#' and ';'
    /// comment lines, an optional "export ". A value may be in single quotes (taken as written) or
    /// double quotes (where \", \\, \` and \$ are the character), and a quoted part may span lines
    /// (VAR='new ⏎ line'); quoted parts join ('a'"b"c), but a quote after unquoted text is a plain
    /// character (a'b' is a'b'). Unquoted, a backslash takes the
    /// next character as it is, a backslash at the end of a line continues it, trailing whitespace
    /// goes. A line that is not an assignment is a warning with its line; the rest of the file counts.
    /// </summary>
    public static List<KeyValuePair<string, string>> ParseFile(string file, string text, List<Diagnostic> diagnostics)
    {
        var list = new List<KeyValuePair<string, string>>();
        text = text.Replace("\r\n", "\n");
        int pos = 0, line = 1;
        while (pos < text.Length)
        {
            // Whitespace and blank lines before a key; a comment runs to its line's end.
            char c = text[pos];
            if (c == '\n') { line++; pos++; continue; }
            if (char.IsWhiteSpace(c)) { pos++; continue; }
            if (c is '#' or ';')
            {
                while (pos < text.Length && text[pos] != '\n') pos++;
                continue;
            }
            int startLine = line, eol = text.IndexOf('\n', pos);
            int eq = text.IndexOf('=', pos);
            if (eq < 0 || (eol >= 0 && eq > eol))
            {
                string bad = text[pos..(eol < 0 ? text.Length : eol)].TrimEnd();
                diagnostics.Add(new(Severity.Warning, file, startLine, $"'{bad}' is not KEY=VALUE, ignored"));
                pos = eol < 0 ? text.Length : eol;
                continue;
            }
            string key = text[pos..eq].Trim();
            if (key.StartsWith("export ", StringComparison.Ordinal)) key = key[7..].TrimStart();
            pos = eq + 1;
            string value = ReadValue(text, ref pos, ref line);
            if (!IsValidName(key))
            {
                diagnostics.Add(new(Severity.Warning, file, startLine, $"'{key}' is not a variable name, its assignment ignored"));
                continue;
            }
            list.Add(new(key, value));
        }
        return list;
    }

    /// <summary>One value, from just after '=' to the end of its (last) line; <paramref name="pos"/> ends on that newline.</summary>
    private static string ReadValue(string text, ref int pos, ref int line)
    {
        var value = new System.Text.StringBuilder();
        int keep = 0; // the value's length up to its last character that is not trailing unquoted whitespace
        // As systemd's parser: at the value's start and after a closing quote, whitespace is skipped and
        // a quote opens a quoted part; once an unquoted character is taken, quotes are characters too.
        bool preValue = true;
        while (pos < text.Length && text[pos] != '\n')
        {
            char c = text[pos];
            if (c == '\'' && preValue)
            {
                int close = text.IndexOf('\'', pos + 1);
                if (close < 0) close = text.Length; // unterminated: to the end of the file, as systemd
                string quoted = text[(pos + 1)..close];
                line += quoted.Count(ch => ch == '\n');
                value.Append(quoted);
                keep = value.Length;
                pos = Math.Min(close + 1, text.Length);
                continue;
            }
            if (c == '"' && preValue)
            {
                pos++;
                while (pos < text.Length && text[pos] != '"')
                {
                    char d = text[pos];
                    if (d == '\\' && pos + 1 < text.Length)
                    {
                        char e = text[pos + 1];
                        if (e == '\n') line++;
                        else if (e is '"' or '\\' or '`' or '$') value.Append(e);
                        else value.Append(d).Append(e);
                        pos += 2;
                        continue;
                    }
                    if (d == '\n') line++;
                    value.Append(d);
                    pos++;
                }
                pos = Math.Min(pos + 1, text.Length);
                keep = value.Length;
                continue;
            }
            if (c == '\\' && pos + 1 < text.Length)
            {
                char e = text[pos + 1];
                if (e == '\n') line++;
                else { value.Append(e); keep = value.Length; }
                pos += 2;
                preValue = false;
                continue;
            }
            if (char.IsWhiteSpace(c) && preValue) { pos++; continue; }
            value.Append(c);
            if (!char.IsWhiteSpace(c)) keep = value.Length;
            preValue = false;
            pos++;
        }
        return value.ToString(0, keep);
    }

    public static bool IsValidName(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) return false;
        foreach (char c in name)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return true;
    }
}
