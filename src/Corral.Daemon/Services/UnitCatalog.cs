using Corral.Core.Units;

namespace Corral.Daemon.Services;

/// <summary>Finds NAME.service files in the unit directories; the first directory naming a unit wins.</summary>
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
                if (!result.ContainsKey(name)) result[name] = ServiceUnitLoader.LoadFile(file);
            }
        }
        return result;
    }

    /// <summary>"web" and "web.service" name the same unit, as with systemctl.</summary>
    public static string Normalize(string name) => name.EndsWith(".service", StringComparison.Ordinal) ? name : name + ".service";
}
