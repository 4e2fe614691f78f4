using System.Text;

namespace Corral.Core.Units;

/// <summary>
/// One command line of an Exec*= directive, split into words at load time; environment
/// variables are expanded at spawn time, when the service's environment is known.
/// </summary>
public sealed record ExecCommand(string Path, IReadOnlyList<string> Words, ExecFlags Flags, string Source)
{
    public bool IgnoreFailure => Flags.HasFlag(ExecFlags.IgnoreFailure);

    /// <summary>
    /// The argv the process gets, as systemd.service(5) "Command lines" says: a whole word "$NAME" is
    /// the variable split at whitespace (zero or more arguments; the rest of the word after '$' is the
    /// name, so "$A$B" names "A$B"); "${NAME}" anywhere is the value as it is, in one argument; a
    /// "$NAME" inside a longer word stays as written; "$$" is "$".
    /// </summary>
    public IReadOnlyList<string> ExpandArgv(IReadOnlyDictionary<string, string> env)
    {
        if (Flags.HasFlag(ExecFlags.NoExpand))
            return Words;
        var argv = new List<string>(Words.Count);
        foreach (string word in Words)
        {
            if (word.Length > 1 && word[0] == '$' && word[1] is not ('{' or '$'))
            {
                if (env.TryGetValue(word[1..], out var v))
                    argv.AddRange(v.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
                continue;
            }
            argv.Add(ExpandWord(word, env));
        }
        return argv;
    }

    /// <summary>Expands ${NAME} and $$ inside one word; any other '$' stays as written.</summary>
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
            sb.Append(c);
        }
        return sb.ToString();
    }

    public override string ToString() => Source;
}
