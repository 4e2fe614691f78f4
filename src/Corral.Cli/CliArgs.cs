namespace Corral.Cli;

/// <summary>
/// The arguments after the verb: options (--name VALUE, --name=VALUE, short -x VALUE) and
/// positional words. Every option a verb does not take is an error that names it.
/// </summary>
internal sealed class CliArgs
{
    private readonly List<string> _positional = [];
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <param name="valued">options that take a value, with their aliases mapped to one name ("-s" → "--signal")</param>
    /// <param name="flags">options without a value</param>
    public CliArgs(string verb, IEnumerable<string> args, IReadOnlyDictionary<string, string> valued, IReadOnlySet<string> flags)
    {
        using var it = args.GetEnumerator();
        bool onlyPositional = false;
        while (it.MoveNext())
        {
            string a = it.Current;
            if (onlyPositional || a.Length < 2 || a[0] != '-') { _positional.Add(a); continue; }
            if (a == "--") { onlyPositional = true; continue; }
            string name = a, value = "";
            bool hasInline = false;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; hasInline = true; }
            if (flags.Contains(name))
            {
                if (hasInline) throw new CliError($"{verb}: option {name} takes no value");
                _flags.Add(name);
                continue;
            }
            if (!valued.TryGetValue(name, out var canonical))
                throw new CliError($"{verb}: unknown option '{name}'");
            if (!hasInline)
            {
                if (!it.MoveNext()) throw new CliError($"{verb}: option {name} needs a value");
                value = it.Current;
            }
            if (!_options.TryGetValue(canonical, out var list)) _options[canonical] = list = [];
            list.Add(value);
        }
    }

    public IReadOnlyList<string> Positional => _positional;
    public bool Has(string flag) => _flags.Contains(flag);
    public string? Get(string option) => _options.TryGetValue(option, out var l) ? l[^1] : null;
    public IReadOnlyList<string> GetAll(string option) => _options.TryGetValue(option, out var l) ? l : [];
}
