using Corral.Core.Units;

namespace Corral.Daemon.Services;

/// <summary>
/// What the unit directories hold, read at one moment: the units with a file of their own (services
/// and targets, with what their .wants/ and .requires/ directories add), the templates
/// (NAME@.service) instances are made from, and the aliases (a symlink of another name to a unit's
/// file: "default.target" → "multi-user.target"). The first directory naming a file wins.
/// </summary>
public sealed record UnitCatalogContents(Dictionary<string, UnitLoadResult> Units, Dictionary<string, UnitLoadResult> Templates)
{
    /// <summary>Alias name → the unit it names.</summary>
    public Dictionary<string, string> Aliases { get; init; } = new(StringComparer.Ordinal);

    /// <summary>What every unit's .wants/ and .requires/ directories name, by unit (made instances need them too).</summary>
    public Dictionary<string, UnitDependencies> Linked { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Finds unit files (NAME.service, NAME.target, NAME.timer) in the unit directories and their drop-ins, as
/// systemd does (systemd.unit(5), "drop-in"): for "foo-bar@a.service" the directories foo-bar@a.service.d,
/// foo-bar@.service.d (the template's, for every instance), foo-.service.d (each '-' prefix) and
/// service.d (every service), in each unit directory in turn. Their *.conf files apply in the order
/// of their file names, whichever directory holds them; of two with the same file name the one
/// found first wins (an earlier unit directory, and in one directory the more specific name), so
/// /etc overrides what a package ships.
/// </summary>
public static class UnitCatalog
{
    /// <summary>The target every machine has, provided by Corral when no unit directory has it.</summary>
    public const string MultiUser = "multi-user.target";
    public const string Default = "default.target";
    /// <summary>What timers are enabled into (WantedBy=timers.target); Corral's multi-user.target wants it, as systemd's basic.target does.</summary>
    public const string TimersTarget = "timers.target";
    /// <summary>What socket units are enabled into (WantedBy=sockets.target); wanted by Corral's multi-user.target too.</summary>
    public const string SocketsTarget = "sockets.target";

    /// <summary>
    /// Reads every unit. <paramref name="enabledDir"/> is Corral's own state of enablement
    /// (NAME.wants/ links and aliases that enable and set-default made): it is read first, as
    /// /etc/systemd/system is by systemd, and holds no unit file of its own.
    /// </summary>
    public static UnitCatalogContents LoadAll(IReadOnlyList<string> dirs, string? enabledDir = null)
    {
        var units = new Dictionary<string, UnitLoadResult>(StringComparer.Ordinal);
        var templates = new Dictionary<string, UnitLoadResult>(StringComparer.Ordinal);
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        IReadOnlyList<string> all = enabledDir is null ? dirs : [enabledDir, .. dirs];
        foreach (var dir in all)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in UnitFiles(dir))
            {
                string name = Path.GetFileName(file);
                if (units.ContainsKey(name) || templates.ContainsKey(name) || aliases.ContainsKey(name)) continue;
                if (AliasOf(file) is { } aliased)
                {
                    aliases[name] = aliased;
                    continue;
                }
                if (dir == enabledDir) continue; // only links are Corral's own there
                var into = UnitNames.IsTemplate(name) ? templates : units;
                // A template is checked as a unit with an empty instance: its syntax, keys and values.
                into[name] = ServiceUnitLoader.LoadFile(file, DropIns(dirs, name));
            }
        }
        if (!units.ContainsKey(TimersTarget) && !aliases.ContainsKey(TimersTarget))
            units[TimersTarget] = BuiltIn(TimersTarget, "Timer Units", allowIsolate: false);
        if (!units.ContainsKey(SocketsTarget) && !aliases.ContainsKey(SocketsTarget))
            units[SocketsTarget] = BuiltIn(SocketsTarget, "Socket Units", allowIsolate: false);
        if (!units.ContainsKey(MultiUser) && !aliases.ContainsKey(MultiUser))
            units[MultiUser] = BuiltIn(MultiUser, "Multi-User System", wants: [SocketsTarget, TimersTarget]);
        if (!units.ContainsKey(Default)) aliases.TryAdd(Default, MultiUser);
        var linked = LinkedDependencies(all);
        foreach (var (name, deps) in linked)
            if (units.TryGetValue(name, out var load)) units[name] = WithLinks(load, deps);
        return new UnitCatalogContents(units, templates) { Aliases = aliases, Linked = linked };
    }

    private static IEnumerable<string> UnitFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*.service").Concat(Directory.EnumerateFiles(dir, "*.target")).Concat(Directory.EnumerateFiles(dir, "*.timer")).Concat(Directory.EnumerateFiles(dir, "*.socket"))
            .Order(StringComparer.Ordinal);

    /// <summary>
    /// The unit a symlink names when its own name is another ("sshd.service" → ssh.service):
    /// systemd's alias. A link to a file of the same name is the unit itself (a unit linked in
    /// from elsewhere); a link to a bare name (set-default of a target Corral provides) is an alias of it.
    /// </summary>
    private static string? AliasOf(string file)
    {
        string? target;
        try { target = new FileInfo(file).LinkTarget; }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return null; }
        if (target is null) return null;
        string targetName = Path.GetFileName(target);
        return targetName != Path.GetFileName(file) && UnitNames.Invalid(targetName) is null ? targetName : null;
    }

    private static UnitLoadResult BuiltIn(string name, string description, bool allowIsolate = true, IReadOnlyList<string>? wants = null) =>
        new(name, "", null, [])
        {
            Target = new TargetUnit
            {
                Name = name, Description = description, AllowIsolate = allowIsolate,
                Dependencies = UnitDependencies.None.With(DependencyKind.Wants, wants ?? []),
            },
        };

    /// <summary>A unit's load with what its .wants/ and .requires/ directories add.</summary>
    public static UnitLoadResult WithLinks(UnitLoadResult load, UnitDependencies linked)
    {
        UnitDependencies Add(UnitDependencies d) => d
            .With(DependencyKind.Wants, linked.Of(DependencyKind.Wants))
            .With(DependencyKind.Requires, linked.Of(DependencyKind.Requires))
            .With(DependencyKind.Upholds, linked.Of(DependencyKind.Upholds));
        if (load.Unit is { } u) return load with { Unit = u with { Dependencies = Add(u.Dependencies) } };
        if (load.Target is { } t) return load with { Target = t with { Dependencies = Add(t.Dependencies) } };
        return load;
    }

    /// <summary>Every NAME.wants/, NAME.requires/ and NAME.upholds/ directory: the names of the entries in it, by NAME.</summary>
    private static Dictionary<string, UnitDependencies> LinkedDependencies(IReadOnlyList<string> dirs)
    {
        var found = new Dictionary<string, Dictionary<DependencyKind, List<string>>>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
            {
                string subName = Path.GetFileName(sub);
                string owner = Path.GetFileNameWithoutExtension(subName);
                if (!DependencyKindNames.LinkDirectories.TryGetValue(Path.GetExtension(subName), out var kind) || UnitNames.Invalid(owner) is not null) continue;
                try
                {
                    foreach (var entry in Directory.EnumerateFileSystemEntries(sub).Order(StringComparer.Ordinal))
                    {
                        string name = Path.GetFileName(entry);
                        if (UnitNames.Invalid(name) is not null || name == owner) continue;
                        if (!found.TryGetValue(owner, out var byKind)) found[owner] = byKind = [];
                        if (!byKind.TryGetValue(kind, out var list)) byKind[kind] = list = [];
                        if (!list.Contains(name)) list.Add(name);
                    }
                }
                catch (Exception e) when (Core.FileErrors.Is(e))
                {
                    // removed while read: the next daemon-reload sees it as it is then
                }
            }
        }
        return found.ToDictionary(kv => kv.Key,
            kv => new UnitDependencies(kv.Value.ToDictionary(x => x.Key, x => (IReadOnlyList<string>)x.Value)), StringComparer.Ordinal);
    }

    /// <summary>An instance made from its template's file, with the drop-ins of the instance's name.</summary>
    public static UnitLoadResult LoadInstance(IReadOnlyList<string> dirs, string templatePath, string instanceName) =>
        ServiceUnitLoader.LoadFile(templatePath, DropIns(dirs, instanceName), instanceName);

    /// <summary>The drop-in files of a unit, in the order they apply.</summary>
    public static List<string> DropIns(IReadOnlyList<string> dirs, string unitName)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = DropInDirectoryNames(unitName);
        foreach (var dir in dirs)
        {
            foreach (var n in names)
            {
                string d = Path.Combine(dir, n);
                if (!Directory.Exists(d)) continue;
                try
                {
                    foreach (var f in Directory.EnumerateFiles(d, "*.conf"))
                        byName.TryAdd(Path.GetFileName(f), f);
                }
                catch (Exception e) when (Core.FileErrors.Is(e))
                {
                    // removed while read: the next daemon-reload sees the directory as it is then
                }
            }
        }
        return byName.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList();
    }

    /// <summary>
    /// "foo-bar@a.service" → foo-bar@a.service.d, foo-bar@.service.d, foo-.service.d, service.d:
    /// most specific first.
    /// </summary>
    public static List<string> DropInDirectoryNames(string unitName)
    {
        var names = new List<string> { unitName + ".d" };
        string suffix = Path.GetExtension(unitName); // ".service", ".target"
        string stem = unitName[..^suffix.Length];
        if (UnitNames.TryInstance(unitName, out string template, out _))
        {
            names.Add(template + ".d");
            stem = stem[..stem.IndexOf('@')];
        }
        else if (stem.EndsWith('@'))
        {
            stem = stem[..^1];
        }
        // Each prefix ending in '-', longest first ("a-b-c" → "a-b-", "a-"); a trailing '-' of the name itself is no prefix.
        for (int dash = stem.LastIndexOf('-', Math.Max(0, stem.Length - 2)); dash > 0; dash = stem.LastIndexOf('-', dash - 1))
            names.Add(stem[..(dash + 1)] + suffix + ".d");
        names.Add(suffix[1..] + ".d");
        return names;
    }
}
