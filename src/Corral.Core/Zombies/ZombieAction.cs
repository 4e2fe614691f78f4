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
    public static bool TryParse(string text, out ZombieAction action)
    {
        (bool ok, action) = text switch
        {
            "none" => (true, ZombieAction.None),
            "restart" => (true, ZombieAction.Restart),
            "stop" => (true, ZombieAction.Stop),
            _ => (false, ZombieAction.None),
        };
        return ok;
    }

    public static string Format(ZombieAction a) => a.ToString().ToLowerInvariant();
}
