using System.Text;

namespace Corral.Core.Units;

/// <summary>
/// One command line of an Exec*= directive, split into words at load time; environment
/// variables are expanded at spawn time, when the service's environment is known.
/// </summary>
public sealed record ExecCommand(string Path, IReadOnlyList<string> Words, ExecFlags Flags, string Source)
{
    public bool IgnoreFailure => Flags.HasFlag(ExecFlags.IgnoreFailure);

    /// <summary>The argv the process gets: $NAME as a whole word splits at whitespace, ${NAME} never does.</summary>
    public IReadOnlyList<string> ExpandArgv(IReadOnlyDictionary<string, string> env)
    {
        if (Flags.HasFlag(ExecFlags.NoExpand))
            return Words;
        var argv = new List<string>(Words.Count);
        foreach (string word in Words)
        {
            if (word.Length > 1 && word[0] == '$' && IsName(word.AsSpan(1)))
            {
                if (env.TryGetValue(word[1..], out var v))
                    argv.AddRange(v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            argv.Add(ExpandWord(word, env));
        }
        return argv;
    }

    /// <summary>Expands $NAME, ${NAME} and $$ inside one word.</summary>
    public static string ExpandWord(string word, IReadOnlyDictionary<string, string> env)
    {
        if (!word.Contains('$')) return word;
        var sb = new StringBuilder();
        for (int i = 0; i < word.Length; i++)
        {
            char c = word[i];
            if (c != '$' || i + 1 >= word.Length) { sb.Append(c); continue; }
            char n = word[i + 1];
            if (n == '$') { sb.Append('$'); i++; continue; }
            if (n == '{')
            {
                int close = word.IndexOf('}', i + 2);
                if (close < 0) { sb.Append(word, i, word.Length - i); break; }
                string name = word[(i + 2)..close];
                if (env.TryGetValue(name, out var v)) sb.Append(v);
                i = close;
                continue;
            }
            int j = i + 1;
            while (j < word.Length && (char.IsAsciiLetterOrDigit(word[j]) || word[j] == '_')) j++;
            if (j == i + 1) { sb.Append(c); continue; }
            if (env.TryGetValue(word[(i + 1)..j], out var value)) sb.Append(value);
            i = j - 1;
        }
        return sb.ToString();
    }

    private static bool IsName(ReadOnlySpan<char> s)
    {
        if (s.Length == 0 || char.IsAsciiDigit(s[0])) return false;
        foreach (char c in s)
            if (!char.IsAsciiLetterOrDigit(c) && c != '_') return false;
        return true;
    }

    public override string ToString() => Source;
}
