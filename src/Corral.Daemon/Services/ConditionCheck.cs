using System.IO.Enumeration;
using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Procfs;

namespace Corral.Daemon.Services;

/// <summary>
/// Evaluates [Unit] Condition*= and Assert*= when a start job begins, as systemd does, against this
/// machine as it is then. The service manager is root, so ConditionUser=/ConditionGroup= test root.
/// </summary>
internal static class ConditionCheck
{
    /// <summary>The condition that keeps the unit from starting, or null.</summary>
    public static UnitCondition? FirstUnmet(IReadOnlyList<UnitCondition> conditions) =>
        conditions.Count == 0 ? null : UnitCondition.FirstUnmet(conditions, c => Test(c) != c.Negate);

    /// <summary>
    /// The start job of a unit without processes (a timer, a socket): null when it may go on; else
    /// the job's answer — done with a warning for an unmet condition (the start is skipped), failed
    /// for an unmet assertion — and what was not met, for its status.
    /// </summary>
    public static JobResult? Refusal(string unit, IReadOnlyList<UnitCondition> conditions, IReadOnlyList<UnitCondition> asserts, out string? unmet)
    {
        unmet = null;
        if (FirstUnmet(conditions) is { } c)
        {
            unmet = $"{c} was not met";
            return JobResult.Done with { Warnings = [$"{unit}: start skipped: {unmet}"] };
        }
        if (FirstUnmet(asserts) is { } a)
        {
            unmet = $"{a} was not met";
            return JobResult.Fail($"Assertion failed on job for {unit}: {unmet}. See 'corral status {unit}'.");
        }
        return null;
    }

    /// <summary>The test itself, before '!' is applied.</summary>
    public static bool Test(UnitCondition c)
    {
        string v = c.Value;
        return c.Kind switch
        {
            "PathExists" => Path.Exists(v),
            "PathExistsGlob" => Glob(v),
            "PathIsDirectory" => Directory.Exists(v),
            "PathIsSymbolicLink" => new FileInfo(v).LinkTarget is not null,
            "PathIsMountPoint" => IsMountPoint(v),
            "FileNotEmpty" => File.Exists(v) && new FileInfo(v).Length > 0,
            "DirectoryNotEmpty" => Directory.Exists(v) && Directory.EnumerateFileSystemEntries(v).Any(),
            "FileIsExecutable" => File.Exists(v) && (File.GetUnixFileMode(v) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0,
            "Virtualization" => Virtualized(v),
            "KernelCommandLine" => KernelCommandLine(v),
            "Host" => string.Equals(v, Environment.MachineName, StringComparison.OrdinalIgnoreCase)
                || string.Equals(v, Machine.MachineId, StringComparison.OrdinalIgnoreCase),
            "Architecture" => v == Machine.Architecture,
            "User" => v is "root" or "0" or "@system",
            "Group" => v is "root" or "0",
            "Environment" => v.Contains('=')
                ? Environment.GetEnvironmentVariable(v[..v.IndexOf('=')]) == v[(v.IndexOf('=') + 1)..]
                : Environment.GetEnvironmentVariable(v) is not null,
            _ => false,
        };
    }

    /// <summary>yes/no (any virtualization), vm, container, or a name systemd-detect-virt gives.</summary>
    private static bool Virtualized(string v) => v switch
    {
        "vm" => Virtualization.Vm is not null,
        "container" => Virtualization.Container is not null,
        "1" or "yes" or "y" or "true" or "t" or "on" => Virtualization.Any is not null,
        "0" or "no" or "n" or "false" or "f" or "off" => Virtualization.Any is null,
        _ => Virtualization.Any == v,
    };

    /// <summary>"quiet" is there as a word or as "quiet=…"; "panic=1" only as that word.</summary>
    private static bool KernelCommandLine(string v)
    {
        var words = ReadOrEmpty("/proc/cmdline").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return v.Contains('=') ? words.Contains(v) : words.Any(w => w == v || w.StartsWith(v + "=", StringComparison.Ordinal));
    }

    private static bool IsMountPoint(string path)
    {
        string full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (full.Length == 0) full = "/";
        return MountInfo.ParseAll(ReadOrEmpty("/proc/self/mountinfo")).Any(m => m.MountPoint == full);
    }

    /// <summary>A shell glob ('*' and '?' in any component) matching at least one path.</summary>
    private static bool Glob(string pattern)
    {
        var parts = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return Match("/", parts, 0);

        static bool Match(string dir, string[] parts, int i)
        {
            if (i == parts.Length) return true;
            string part = parts[i];
            if (part.IndexOfAny(['*', '?']) < 0)
            {
                string next = Path.Combine(dir, part);
                return (i == parts.Length - 1 ? Path.Exists(next) : Directory.Exists(next)) && Match(next, parts, i + 1);
            }
            try
            {
                foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
                {
                    string name = Path.GetFileName(entry);
                    if (name.StartsWith('.') && !part.StartsWith('.')) continue; // as the shell: '*' does not match a leading dot
                    if (FileSystemName.MatchesSimpleExpression(part, name, ignoreCase: false)
                        && (i == parts.Length - 1 || Directory.Exists(entry)) && Match(entry, parts, i + 1)) return true;
                }
            }
            catch (Exception e) when (Core.FileErrors.Is(e))
            {
                // an unreadable directory matches nothing, as for the shell
            }
            return false;
        }
    }

    private static string ReadOrEmpty(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return ""; }
    }
}
