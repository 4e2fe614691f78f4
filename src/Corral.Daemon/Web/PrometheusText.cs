using System.Globalization;
using System.Text;

namespace Corral.Daemon.Web;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): for each metric family one
/// <c># HELP</c> and one <c># TYPE</c> line, then all of its samples together. HELP text escapes
/// backslash and newline; label values escape backslash, double quote and newline. Values are
/// Go-parsable floats (+Inf, -Inf, NaN for the special ones).
/// </summary>
internal sealed class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(16 * 1024);
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);
    private string? _current;

    /// <summary>Starts a family; its samples must follow before the next family starts. A name may be used once.</summary>
    public PrometheusText Family(string name, string type, string help)
    {
        if (!IsName(name)) throw new ArgumentException($"'{name}' is not a valid metric name");
        if (type is not ("counter" or "gauge" or "untyped")) throw new ArgumentException($"metric type '{type}' is not written here");
        if (!_families.Add(name)) throw new InvalidOperationException($"metric family {name} written twice");
        _current = name;
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    public PrometheusText Sample(double value, params (string Name, string Value)[] labels)
    {
        if (_current is null) throw new InvalidOperationException("a sample before any family");
        _text.Append(_current);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (int i = 0; i < labels.Length; i++)
            {
                if (!IsLabelName(labels[i].Name)) throw new ArgumentException($"'{labels[i].Name}' is not a valid label name");
                if (i > 0) _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"");
                AppendLabelValue(labels[i].Value);
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public override string ToString() => _text.ToString();

    public static string Format(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN"
        : v.ToString("R", CultureInfo.InvariantCulture);

    private static string EscapeHelp(string s) => s.Replace("\\", "\\\\").Replace("\n", "\\n");

    private void AppendLabelValue(string v)
    {
        foreach (char c in v)
        {
            switch (c)
            {
                case '\\': _text.Append("\\\\"); break;
                case '"': _text.Append("\\\""); break;
                case '\n': _text.Append("\\n"); break;
                default: _text.Append(c); break;
            }
        }
    }

    /// <summary>[a-zA-Z_:][a-zA-Z0-9_:]*</summary>
    public static bool IsName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] is '_' or ':') && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');

    /// <summary>[a-zA-Z_][a-zA-Z0-9_]*, and not starting with __ (reserved).</summary>
    public static bool IsLabelName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && !s.StartsWith("__", StringComparison.Ordinal)
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
