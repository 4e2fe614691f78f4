namespace Corral.Core.Units;

/// <summary>Parses an Exec*= value: prefixes, quoting, and several commands separated by a lone ";".</summary>
public static class ExecCommandParser
{
    public static List<ExecCommand> Parse(string value)
    {
        var result = new List<ExecCommand>();
        var words = WordSplitter.Split(value);
        var current = new List<string>();
        foreach (var w in words)
        {
            if (w == WordSplitter.Separator)
            {
                if (current.Count > 0) result.Add(Build(current, value));
                current = new List<string>();
            }
            else current.Add(w);
        }
        if (current.Count > 0) result.Add(Build(current, value));
        if (result.Count == 0)
            throw new UnitValueException("empty command line");
        return result;
    }

    private static ExecCommand Build(List<string> words, string source)
    {
        string first = words[0];
        var flags = ExecFlags.None;
        int p = 0;
        for (; p < first.Length; p++)
        {
            char c = first[p];
            if (c == '-') flags |= ExecFlags.IgnoreFailure;
            else if (c == '@') flags |= ExecFlags.CustomArgv0;
            else if (c == ':') flags |= ExecFlags.NoExpand;
            else if (c == '+') flags |= ExecFlags.FullPrivileges;
            else if (c == '!' && p + 1 < first.Length && first[p + 1] == '!') p++; // "!!": no effect where ambient capabilities exist
            else if (c == '!') flags |= ExecFlags.NoCredentials;
            else if (c == '|') { } // shell lookup (systemd 258): accepted, no effect here
            else break;
        }
        string path = first[p..];
        if (path.Length == 0)
            throw new UnitValueException($"command '{source}' has no executable");
        if (path.Contains('/') && path[0] != '/')
            throw new UnitValueException($"executable path '{path}' must be absolute or a plain name");

        var argv = new List<string>();
        if (flags.HasFlag(ExecFlags.CustomArgv0))
        {
            if (words.Count < 2)
                throw new UnitValueException($"command '{source}' uses '@' but gives no argv[0]");
            argv.AddRange(words.Skip(1));
        }
        else
        {
            argv.Add(path);
            argv.AddRange(words.Skip(1));
        }
        return new ExecCommand(path, argv, flags, string.Join(' ', words));
    }
}
