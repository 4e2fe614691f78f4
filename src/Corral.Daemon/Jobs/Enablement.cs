using Corral.Core.Units;

namespace Corral.Daemon.Jobs;

/// <summary>
/// enable, disable and is-enabled, on Corral's own directory of links (STATE/enabled), never on
/// /etc/systemd: enable makes the links a unit's [Install] asks for — WANTEDBY.wants/NAME,
/// REQUIREDBY.requires/NAME, UPHELDBY.upholds/NAME and ALIAS, each to the unit's file — and the
/// catalog reads that directory first, as systemd reads /etc/systemd/system. Each change is said
/// as systemctl says it.
/// </summary>
internal static class Enablement
{
    /// <summary>is-enabled: "enabled" when a link of the unit is there, "static" when its [Install] is empty, "disabled" otherwise.</summary>
    public static string State(string enabledDir, string name, UnitLoadResult load)
    {
        if (Links(enabledDir, name, load).Any(l => IsLink(l.Path))) return "enabled";
        if (load.FilePath.Length == 0) return "static";
        return load.Install.IsEmpty ? "static" : "disabled";
    }

    /// <summary>The links enable makes for the unit (path → what it points to).</summary>
    public static List<(string Path, string Target)> Links(string enabledDir, string name, UnitLoadResult load)
    {
        string target = load.FilePath.Length == 0 ? name : load.FilePath;
        var links = new List<(string, string)>();
        foreach (var w in load.Install.WantedBy) links.Add((Path.Combine(enabledDir, DependencyKindNames.LinkDirectory(w, DependencyKind.Wants), name), target));
        foreach (var r in load.Install.RequiredBy) links.Add((Path.Combine(enabledDir, DependencyKindNames.LinkDirectory(r, DependencyKind.Requires), name), target));
        foreach (var u in load.Install.UpheldBy) links.Add((Path.Combine(enabledDir, DependencyKindNames.LinkDirectory(u, DependencyKind.Upholds), name), target));
        foreach (var a in load.Install.Alias) links.Add((Path.Combine(enabledDir, a), target));
        return links;
    }

    /// <summary>Makes the links; returns what it did, in systemctl's words, or throws with the path in the way.</summary>
    public static List<string> Enable(string enabledDir, string name, UnitLoadResult load)
    {
        var said = new List<string>();
        foreach (var (path, target) in Links(enabledDir, name, load))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is { } existing)
            {
                if (existing == target) continue;
                throw new InvalidOperationException($"Failed to enable unit: {path} already exists and is a link to {existing}");
            }
            if (info.Exists) throw new InvalidOperationException($"Failed to enable unit: {path} already exists and is not a link");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.CreateSymbolicLink(path, target);
            said.Add($"Created symlink {path} → {target}.");
        }
        return said;
    }

    /// <summary>Removes every link to the unit in the directory (those its [Install] names, and any other of its name).</summary>
    public static List<string> Disable(string enabledDir, string name, UnitLoadResult? load)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        if (load is not null) foreach (var (p, _) in Links(enabledDir, name, load)) paths.Add(p);
        if (Directory.Exists(enabledDir))
            foreach (var dir in Directory.EnumerateDirectories(enabledDir))
                if (DependencyKindNames.LinkDirectories.ContainsKey(Path.GetExtension(dir))) paths.Add(Path.Combine(dir, name));
        var said = new List<string>();
        foreach (var p in paths.Order(StringComparer.Ordinal))
        {
            if (!IsLink(p)) continue;
            File.Delete(p);
            said.Add($"Removed \"{p}\".");
            string dir = Path.GetDirectoryName(p)!;
            if (dir != enabledDir && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
        }
        return said;
    }

    /// <summary>set-default: STATE/enabled/default.target becomes a link to the target's file (or its name, for Corral's own).</summary>
    public static List<string> SetDefault(string enabledDir, string target, UnitLoadResult load)
    {
        var said = new List<string>();
        string path = Path.Combine(enabledDir, "default.target");
        if (IsLink(path))
        {
            File.Delete(path);
            said.Add($"Removed \"{path}\".");
        }
        Directory.CreateDirectory(enabledDir);
        string to = load.FilePath.Length == 0 ? target : load.FilePath;
        File.CreateSymbolicLink(path, to);
        said.Add($"Created symlink {path} → {to}.");
        return said;
    }

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;
}
