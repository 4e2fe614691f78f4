namespace Corral.Core.Units;

public enum ServiceType { Simple, Exec, Forking, Oneshot, Notify, NotifyReload }

public static class ServiceTypeNames
{
    private static readonly Text.NameTable<ServiceType> Names = new(
        ("simple", ServiceType.Simple), ("exec", ServiceType.Exec), ("forking", ServiceType.Forking), ("oneshot", ServiceType.Oneshot),
        ("notify", ServiceType.Notify), ("notify-reload", ServiceType.NotifyReload));

    /// <summary>Type=notify and notify-reload: the start ends with the service's READY=1, not with its exec.</summary>
    public static bool WaitsForReady(this ServiceType type) => type is ServiceType.Notify or ServiceType.NotifyReload;

    public static bool TryParse(string text, out ServiceType type) => Names.TryParse(text, out type);

    public static string Format(ServiceType type) => Names.Format(type);

    public static string All => string.Join(", ", Names.Names);
}
