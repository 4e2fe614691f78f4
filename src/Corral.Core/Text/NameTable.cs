namespace Corral.Core.Text;

/// <summary>
/// The names of an enum's values as unit files, systemctl and the records spell them, both ways, in
/// one table. Every value must have a name (checked when the table is built: a value added to the
/// enum without one fails at once, not in a record); a value may have more than one, the first is
/// the one written.
/// </summary>
public sealed class NameTable<T> where T : struct, Enum
{
    private readonly (string Name, T Value)[] _pairs;

    public NameTable(params (string Name, T Value)[] pairs)
    {
        _pairs = pairs;
        foreach (var v in Enum.GetValues<T>())
            if (!pairs.Any(p => EqualityComparer<T>.Default.Equals(p.Value, v)))
                throw new InvalidOperationException($"{typeof(T).Name}.{v} has no name");
    }

    /// <summary>Every name, in the table's order (the first name of each value first).</summary>
    public IReadOnlyList<string> Names => [.. _pairs.Select(p => p.Name)];

    public string Format(T value)
    {
        foreach (var (name, v) in _pairs)
            if (EqualityComparer<T>.Default.Equals(v, value)) return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {typeof(T).Name}");
    }

    public bool TryParse(string text, out T value)
    {
        foreach (var (name, v) in _pairs)
            if (name == text) { value = v; return true; }
        value = default;
        return false;
    }
}
