using System.Text;

namespace Corral.Core.Units;

/// <summary>
/// systemd's "%" specifiers (systemd.unit(5), "Specifiers") that make sense for a service
/// supervisor. Names: %n %N %p %P %i %I %j %J %f (the capital forms unescaped: "-" is "/",
/// "\xNN" the byte NN). The system manager's directories: %t %S %C %L %E %T %V %d. The manager's
/// user (root): %u %U %h %s %g %G. The machine: %H %l %m %b %v %a. Any other "%x" is an error,
/// as in systemd.
/// </summary>
public static class Specifiers
{
    public static string Expand(string value, string unitName)
    {
        if (!value.Contains('%')) return value;
        // %N: the name without its type's suffix, for every type ("dump@main.timer" → "dump@main").
        int dot = unitName.LastIndexOf('.');
        string prefix = UnitNames.IsLoadable(unitName) && dot > 0 ? unitName[..dot] : unitName;
        int at = prefix.IndexOf('@');
        string instance = at >= 0 ? prefix[(at + 1)..] : "";
        string prefixOnly = at >= 0 ? prefix[..at] : prefix;
        // %j: what follows the prefix's last '-' (all of it when it has none).
        string last = prefixOnly[(prefixOnly.LastIndexOf('-') + 1)..];
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
                'P' => UnitNames.Unescape(prefixOnly),
                'i' => instance,
                'I' => UnitNames.Unescape(instance),
                'j' => last,
                'J' => UnitNames.Unescape(last),
                'f' => PathOf(at >= 0 ? instance : prefixOnly),
                't' => ExecDirectoryKind.Runtime.Base(),
                'S' => ExecDirectoryKind.State.Base(),
                'C' => ExecDirectoryKind.Cache.Base(),
                'L' => ExecDirectoryKind.Logs.Base(),
                'E' => ExecDirectoryKind.Configuration.Base(),
                'T' => "/tmp",
                'V' => "/var/tmp",
                'd' => "/run/credentials/" + unitName,
                'h' => "/root",
                'u' => "root",
                'U' => "0",
                'g' => "root",
                'G' => "0",
                's' => "/bin/sh",
                'H' => Machine.HostName,
                'l' => Machine.HostName.Split('.')[0],
                'm' => Machine.MachineId,
                'b' => Machine.BootId,
                'v' => Machine.KernelRelease,
                'a' => Machine.Architecture,
                _ => throw new UnitValueException($"'%{c}' is not a specifier Corral knows (write %% for a percent sign)"),
            });
        }
        return sb.ToString();
    }

    /// <summary>%f: the name part as the path it escapes ("dev-sda1" → "/dev/sda1", "-" → "/").</summary>
    private static string PathOf(string part)
    {
        string p = UnitNames.Unescape(part);
        return p.StartsWith('/') ? p : "/" + p;
    }
}
