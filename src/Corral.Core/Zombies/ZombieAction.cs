namespace Corral.Core.Zombies;

/// <summary>[X-Corral] ZombieAction=: what Corral does when a service's zombies exceed ZombieMax=.</summary>
public enum ZombieAction
{
    /// <summary>Only the event (the default).</summary>
    None,
    /// <summary>Restart the service: its new run starts without the zombie factory's children.</summary>
    Restart,
    /// <summary>Stop the service.</summary>
    Stop,
}

public static class ZombieActionNames
{
    private static readonly Text.NameTable<ZombieAction> Names = new(
        ("none", ZombieAction.None), ("restart", ZombieAction.Restart), ("stop", ZombieAction.Stop));

    public static bool TryParse(string text, out ZombieAction action) => Names.TryParse(text, out action);

    public static string Format(ZombieAction a) => Names.Format(a);
}
