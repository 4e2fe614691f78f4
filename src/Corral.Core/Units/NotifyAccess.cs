namespace Corral.Core.Units;

/// <summary>
/// systemd's <c>NotifyAccess=</c>: whose notification messages (sd_notify) a service's manager
/// acts on — none, the main process only, any process of its Exec*= commands (main and control),
/// or any process of its cgroup.
/// </summary>
public enum NotifyAccess { None, Main, Exec, All }

public static class NotifyAccessNames
{
    private static readonly Text.NameTable<NotifyAccess> Names = new(
        ("none", NotifyAccess.None), ("main", NotifyAccess.Main), ("exec", NotifyAccess.Exec), ("all", NotifyAccess.All));

    public static bool TryParse(string text, out NotifyAccess access) => Names.TryParse(text, out access);

    public static string Format(NotifyAccess access) => Names.Format(access);

    public static string All => string.Join(", ", Names.Names);
}
