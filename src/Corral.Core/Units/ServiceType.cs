namespace Corral.Core.Units;

public enum ServiceType { Simple, Exec, Forking, Oneshot }

public static class ServiceTypeNames
{
    private static readonly Text.NameTable<ServiceType> Names = new(
        ("simple", ServiceType.Simple), ("exec", ServiceType.Exec), ("forking", ServiceType.Forking), ("oneshot", ServiceType.Oneshot));

    public static bool TryParse(string text, out ServiceType type) => Names.TryParse(text, out type);

    public static string Format(ServiceType type) => Names.Format(type);

    public static string All => string.Join(", ", Names.Names);
}
