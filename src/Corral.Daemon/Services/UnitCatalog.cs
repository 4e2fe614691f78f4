using Corral.Core.Units;

namespace Corral.Daemon.Services;

/// <summary>
/// What the unit directories hold, read at one moment: the units with a file of their own and the
/// templates (NAME@.service) instances are made from. The first directory naming a file wins.
/// </summary>
public sealed record UnitCatalogContents(Dictionary<string, UnitLoadResult> Units, Dictionary<string, UnitLoadResult> Templates);

/// <summary>
/// Finds NAME.service files in the unit directories and their drop-ins, as systemd does
/// (systemd.unit(5), "drop-in"): for "foo-bar@a.service" the directories foo-bar@a.service.d,
/// foo-bar@.service.d (the template's, for every instance), foo-.service.d (each '-' prefix) and
/// service.d (every service), in each unit directory in turn. Their *.conf files apply in the order
/// of their file names, whichever directory holds them; of two with the same file name the one
/// found first wins (an earlier unit directory, and in one directory the more specific name), so
/// /etc overrides what a package ships.
/// </summary>
public static class UnitCatalog
{
    public static UnitCatalogContents LoadAll(IReadOnlyList<string> dirs)
    {
        var units = new Dictionary<string, UnitLoadResult>(StringComparer.Ordinal);
        var templates = new Dictionary<string, UnitLoadResult>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.service").Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                var into = UnitNames.IsTemplate(name) ? templates : units;
                if (into.ContainsKey(name)) continue;
                // A template is checked as a unit with an empty instance: its syntax, keys and values.
                into[name] = ServiceUnitLoader.LoadFile(file, DropIns(dirs, name));
            }
        }
        return new UnitCatalogContents(units, templates);
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
        string stem = UnitNames.Short(unitName);
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
            names.Add(stem[..(dash + 1)] + UnitNames.ServiceSuffix + ".d");
        names.Add("service.d");
        return names;
    }
}
