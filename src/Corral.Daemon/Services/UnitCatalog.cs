using Corral.Core.Units;

namespace Corral.Daemon.Services;

/// <summary>
/// Finds NAME.service files in the unit directories (the first directory naming a unit wins) and
/// their drop-ins: every NAME.service.d/*.conf in any of the directories, applied in the order of
/// their file names; a drop-in of the same name in an earlier directory hides a later one's, as
/// systemd does (so /etc overrides what a package ships).
/// </summary>
public static class UnitCatalog
{
    public static Dictionary<string, UnitLoadResult> LoadAll(IReadOnlyList<string> dirs)
    {
        var result = new Dictionary<string, UnitLoadResult>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*.service").Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                if (!result.ContainsKey(name)) result[name] = ServiceUnitLoader.LoadFile(file, DropIns(dirs, name));
            }
        }
        return result;
    }

    /// <summary>The drop-in files of a unit, in the order they apply.</summary>
    public static List<string> DropIns(IReadOnlyList<string> dirs, string unitName)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            string d = Path.Combine(dir, unitName + ".d");
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
        return byName.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList();
    }
}
