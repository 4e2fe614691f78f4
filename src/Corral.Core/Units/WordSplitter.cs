using System.Text;

namespace Corral.Core.Units;

/// <summary>
/// Splits a directive value into words as systemd does for ExecStart= and Environment=:
/// whitespace separates, single and double quotes group, C escapes (\n, \t, \\, \", \x41, \s …)
/// are decoded inside and outside quotes. A bare ";" word is reported as a separator.
/// </summary>
public static class WordSplitter
{
    /// <summary>Marker returned for an unquoted ";" word (systemd's command separator).</summary>
    public const string Separator = "\0;";

    public static List<string> Split(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            if (i >= text.Length) break;
            sb.Clear();
            bool quotedAny = false;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                char c = text[i];
                if (c == '"' || c == '\'')
                {
                    quotedAny = true;
                    char quote = c;
                    i++;
                    while (true)
                    {
                        if (i >= text.Length)
                            throw new UnitValueException($"unterminated {(quote == '"' ? "double" : "single")} quote in '{text}'");
                        if (text[i] == quote) { i++; break; }
                        if (text[i] == '\\') i = Unescape(text, i, sb);
                        else sb.Append(text[i++]);
                    }
                }
                else if (c == '\\')
                {
                    i = Unescape(text, i, sb);
                }
                else
                {
                    sb.Append(c);
                    i++;
                }
            }
            string word = sb.ToString();
            words.Add(!quotedAny && word == ";" && !RawWordWasEscaped(text, i) ? Separator : word);
        }
        return words;
    }

    private static bool RawWordWasEscaped(string text, int end) => end >= 2 && text[end - 2] == '\\';

    /// <summary>Decodes the escape at text[i] ('\\'), appends it, returns the index after it.</summary>
    private static int Unescape(string text, int i, StringBuilder sb)
    {
        if (i + 1 >= text.Length)
            throw new UnitValueException($"trailing backslash in '{text}'");
        char e = text[i + 1];
        switch (e)
        {
            case 'a': sb.Append('\a'); return i + 2;
            case 'b': sb.Append('\b'); return i + 2;
            case 'f': sb.Append('\f'); return i + 2;
            case 'n': sb.Append('\n'); return i + 2;
            case 'r': sb.Append('\r'); return i + 2;
            case 't': sb.Append('\t'); return i + 2;
            case 'v': sb.Append('\v'); return i + 2;
            case 's': sb.Append(' '); return i + 2;
            case 'x':
                if (i + 3 < text.Length && Uri.IsHexDigit(text[i + 2]) && Uri.IsHexDigit(text[i + 3]))
                {
                    sb.Append((char)Convert.ToInt32(text.Substring(i + 2, 2), 16));
                    return i + 4;
                }
                throw new UnitValueException($"invalid \\x escape in '{text}'");
            default:
                sb.Append(e); // \\ \" \' \; \$ and anything else stand for themselves
                return i + 2;
        }
    }
}
