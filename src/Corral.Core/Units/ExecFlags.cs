namespace Corral.Core.Units;

/// <summary>The prefixes systemd allows before an Exec*= command (systemd.service(5), table 1).</summary>
[Flags]
public enum ExecFlags
{
    None = 0,
    /// <summary>"-": a failure exit is recorded but ignored.</summary>
    IgnoreFailure = 1,
    /// <summary>"@": the second word is argv[0].</summary>
    CustomArgv0 = 2,
    /// <summary>":": no environment variable expansion.</summary>
    NoExpand = 4,
    /// <summary>"+": run with full privileges, ignoring User= and Group=.</summary>
    FullPrivileges = 8,
    /// <summary>
    /// "!": User=, Group= and SupplementaryGroups= are not applied (the program drops privileges
    /// itself); the sandbox and capabilities still are. "!!" is the same on a kernel without ambient
    /// capabilities only: every kernel Corral runs on has them (Linux 4.3), so "!!" changes nothing.
    /// </summary>
    NoCredentials = 16,
}
