namespace Corral.Core.Units;

/// <summary>The five kinds of directory a unit may ask to be made for it (systemd.exec(5), "RuntimeDirectory=").</summary>
public enum ExecDirectoryKind { Runtime, State, Cache, Logs, Configuration }

/// <summary>RuntimeDirectoryPreserve=: when the runtime directories are removed.</summary>
public enum RuntimeDirectoryPreserve
{
    /// <summary>Whenever the service stops, an automatic or manual restart included (systemd's default).</summary>
    No,
    /// <summary>Never by Corral (they go with /run at the next boot).</summary>
    Yes,
    /// <summary>When the service stops, but not across a restart (automatic or manual).</summary>
    Restart,
}

/// <summary>Where each kind lives, what it is called in a unit and in the environment.</summary>
public static class ExecDirectoryKinds
{
    public static readonly ExecDirectoryKind[] All = Enum.GetValues<ExecDirectoryKind>();

    /// <summary>The system manager's base directory of the kind (%t %S %C %L %E).</summary>
    public static string Base(this ExecDirectoryKind k) => k switch
    {
        ExecDirectoryKind.Runtime => "/run",
        ExecDirectoryKind.State => "/var/lib",
        ExecDirectoryKind.Cache => "/var/cache",
        ExecDirectoryKind.Logs => "/var/log",
        _ => "/etc",
    };

    /// <summary>"RuntimeDirectory" — the directive; "RuntimeDirectoryMode" is its mode's.</summary>
    public static string Directive(this ExecDirectoryKind k) => k + "Directory";

    /// <summary>"RUNTIME_DIRECTORY": the variable every process gets, the full paths joined by ':'.</summary>
    public static string Variable(this ExecDirectoryKind k) => k == ExecDirectoryKind.Configuration ? "CONFIGURATION_DIRECTORY" : k.ToString().ToUpperInvariant() + "_DIRECTORY";

    /// <summary>
    /// Whether the innermost directory is given to User=/Group=: all but ConfigurationDirectory=,
    /// as in systemd (configuration stays root's, the service may only read it).
    /// </summary>
    public static bool OwnedByService(this ExecDirectoryKind k) => k != ExecDirectoryKind.Configuration;

    /// <summary>
    /// Whether, under DynamicUser=, the kind lives in BASE/private/PATH (0700 above it) with a link
    /// BASE/PATH → private/PATH, as systemd does it: state, cache and logs outlive the run, and
    /// another service given the same uid later must not reach them.
    /// </summary>
    public static bool PrivateForDynamicUser(this ExecDirectoryKind k) => k is ExecDirectoryKind.State or ExecDirectoryKind.Cache or ExecDirectoryKind.Logs;

    /// <summary>
    /// One path of a *Directory= value, checked as systemd checks it: relative to the kind's base, no
    /// "." or ".." component, no control character. Returns it normalized ("a//b/" is "a/b").
    /// </summary>
    public static string CheckRelative(string path)
    {
        if (path.StartsWith('/')) throw new UnitValueException($"'{path}' must be relative (to /run, /var/lib, /var/cache, /var/log or /etc)");
        if (path.Any(char.IsControl)) throw new UnitValueException($"'{path}' has a control character");
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or "..")) throw new UnitValueException($"'{path}' has a '.' or '..' component");
        return string.Join('/', parts);
    }
}
