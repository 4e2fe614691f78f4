using System.Text;

namespace Corral.Core.Units;

/// <summary>
/// systemd's "%" specifiers (systemd.unit(5), "Specifiers") that make sense for a service
/// supervisor: %n %N %p %i %I %t %S %C %L %h %u %% . Any other "%x" is an error, as in systemd.
/// </summary>
public static class Specifiers
{
    public static string Expand(string value, string unitName)
    {
        if (!value.Contains('%')) return value;
        string prefix = UnitNames.Short(unitName);
        int at = prefix.IndexOf('@');
        string instance = at >= 0 ? prefix[(at + 1)..] : "";
        string prefixOnly = at >= 0 ? prefix[..at] : prefix;
        var sb = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '%') { sb.Append(value[i]); continue; }
            if (i + 1 >= value.Length) throw new UnitValueException("ends in a lone '%' (write %% for a percent sign)");
            char c = value[++i];
            sb.Append(c switch
            {
                '%' => "%",
                'n' => unitName,
                'N' => prefix,
                'p' => prefixOnly,
                'i' or 'I' => instance,
                't' => "/run",
                'S' => "/var/lib",
                'C' => "/var/cache",
                'L' => "/var/log",
                'h' => "/root",
                'u' => "root",
                _ => throw new UnitValueException($"'%{c}' is not a specifier Corral knows (write %% for a percent sign)"),
            });
        }
        return sb.ToString();
    }
}
