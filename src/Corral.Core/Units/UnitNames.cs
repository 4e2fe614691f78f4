namespace Corral.Core.Units;

/// <summary>How units are named: "web" and "web.service" are the same unit, as with systemctl.</summary>
public static class UnitNames
{
    public const string ServiceSuffix = ".service";

    public static bool IsService(string name) => name.EndsWith(ServiceSuffix, StringComparison.Ordinal);

    /// <summary>"web" → "web.service"; a full name is left as it is.</summary>
    public static string Normalize(string name) => IsService(name) ? name : name + ServiceSuffix;

    /// <summary>"web.service" → "web".</summary>
    public static string Short(string name) => IsService(name) ? name[..^ServiceSuffix.Length] : name;
}
