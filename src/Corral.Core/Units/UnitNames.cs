using System.Globalization;
using System.Text;

namespace Corral.Core.Units;

/// <summary>
/// How units are named: "web" and "web.service" are the same unit, as with systemctl. A name
/// with an '@' is a template ("getty@.service", no instance: it cannot run) or an instance of one
/// ("getty@tty1.service", made from the template's file when it has none of its own).
/// </summary>
public static class UnitNames
{
    public const string ServiceSuffix = ".service";
    public const string TargetSuffix = ".target";
    public const string TimerSuffix = ".timer";
    public const string SocketSuffix = ".socket";

    /// <summary>
    /// Every unit type systemd names, so a dependency on "syslog.socket" or "local-fs.target" is read
    /// as a unit's name and not as a service "syslog.socket.service". Corral runs services, targets, timers and sockets.
    /// </summary>
    public static readonly IReadOnlyList<string> TypeSuffixes =
        [ServiceSuffix, TargetSuffix, SocketSuffix, TimerSuffix, ".mount", ".automount", ".path", ".slice", ".scope", ".device", ".swap"];

    /// <summary>A name with any unit type's suffix.</summary>
    public static bool HasTypeSuffix(string name) => TypeSuffixes.Any(s => name.Length > s.Length && name.EndsWith(s, StringComparison.Ordinal));

    /// <summary>A unit Corral can load and run: a service, a target, a timer or a socket.</summary>
    public static bool IsLoadable(string name) => IsService(name) || IsTarget(name) || IsTimer(name) || IsSocket(name);

    public static bool IsSocket(string name) => name.EndsWith(SocketSuffix, StringComparison.Ordinal);

    public static bool IsTarget(string name) => name.EndsWith(TargetSuffix, StringComparison.Ordinal);

    public static bool IsTimer(string name) => name.EndsWith(TimerSuffix, StringComparison.Ordinal);

    /// <summary>systemd's limit: a unit name, suffix included, is shorter than 256 bytes.</summary>
    public const int MaxLength = 255;

    public static bool IsService(string name) => name.EndsWith(ServiceSuffix, StringComparison.Ordinal);

    /// <summary>"web" → "web.service"; a name with a unit type's suffix ("multi-user.target") is left as it is, as systemctl does.</summary>
    public static string Normalize(string name) => HasTypeSuffix(name) ? name : name + ServiceSuffix;

    /// <summary>"web.service" → "web".</summary>
    public static string Short(string name) => IsService(name) ? name[..^ServiceSuffix.Length] : name;

    /// <summary>
    /// Why a (normalized) name cannot be a unit's, or null when it can. systemd's rules: at most
    /// 255 bytes; letters, digits and ":-_.\" in the prefix and the instance; at most one '@', with
    /// a prefix before it. What passes names a cgroup, a log file and a run record safely: no '/',
    /// no NUL, no "." or ".." as a whole.
    /// </summary>
    public static string? Invalid(string name)
    {
        string? suffix = TypeSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal));
        if (suffix is null) return $"'{Shorten(name)}' does not end in {ServiceSuffix} or another unit type's suffix ({string.Join(", ", TypeSuffixes)})";
        if (Encoding.UTF8.GetByteCount(name) > MaxLength) return $"'{Shorten(name)}' is longer than {MaxLength} bytes";
        string stem = name[..^suffix.Length];
        if (stem.Length == 0) return $"'{name}' has no name before {suffix}";
        int at = stem.IndexOf('@');
        if (at == 0) return $"'{name}' has nothing before its '@'";
        if (at >= 0 && stem.IndexOf('@', at + 1) >= 0) return $"'{Shorten(name)}' has more than one '@'";
        foreach (char c in stem)
            if (c != '@' && !IsNameChar(c))
                return $"'{Shorten(name)}' has the character {Describe(c)}, which a unit name may not (letters, digits and :-_.\\ only)";
        return null;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.' or '\\';

    private static string Describe(char c) => c is >= ' ' and < (char)0x7f ? $"'{c}'" : $"U+{(int)c:X4}";

    private static string Shorten(string s) => s.Length <= 80 ? Sanitize(s) : Sanitize(s[..77]) + "...";

    private static string Sanitize(string s) => string.Concat(s.Select(c => c is >= ' ' and < (char)0x7f ? c.ToString() : "?"));

    /// <summary>"getty@.service": a template, which only its instances run.</summary>
    public static bool IsTemplate(string name) => IsLoadable(name) && name[..name.LastIndexOf('.')].EndsWith('@');

    /// <summary>"getty@tty1.service" → template "getty@.service", instance "tty1" (and so for a timer, a socket or a target).</summary>
    public static bool TryInstance(string name, out string template, out string instance)
    {
        int dot = name.LastIndexOf('.');
        string stem = dot > 0 ? name[..dot] : name;
        int at = stem.IndexOf('@');
        if (!IsLoadable(name) || at <= 0 || at == stem.Length - 1)
        {
            template = instance = "";
            return false;
        }
        template = stem[..(at + 1)] + name[dot..];
        instance = stem[(at + 1)..];
        return true;
    }

    /// <summary>
    /// systemd's unescaping of a name part (%I, %J): "\xNN" is the byte NN and '-' is '/', so
    /// "home-alice\x2dsmith" is "home/alice-smith". A malformed escape stays as written.
    /// </summary>
    public static string Unescape(string part)
    {
        var bytes = new List<byte>(part.Length);
        for (int i = 0; i < part.Length; i++)
        {
            if (part[i] == '-') { bytes.Add((byte)'/'); continue; }
            if (part[i] == '\\' && i + 3 < part.Length && part[i + 1] == 'x'
                && byte.TryParse(part.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                bytes.Add(b);
                i += 3;
                continue;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(part[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
