namespace Corral.Core.Killing;

/// <summary>systemd.kill(5) KillMode=.</summary>
public enum KillMode { ControlGroup, Mixed, Process, None }

/// <summary>Who <c>corral kill --kill-whom=</c> reaches.</summary>
public enum KillWhom { Main, Control, All }

public static class KillModeNames
{
    private static readonly Text.NameTable<KillMode> Modes = new(
        ("control-group", KillMode.ControlGroup), ("mixed", KillMode.Mixed), ("process", KillMode.Process), ("none", KillMode.None));

    private static readonly Text.NameTable<KillWhom> Whoms = new(("main", KillWhom.Main), ("control", KillWhom.Control), ("all", KillWhom.All));

    public static string Format(KillMode mode) => Modes.Format(mode);

    public static bool TryParse(string text, out KillMode mode) => Modes.TryParse(text, out mode);

    public static bool TryParseWhom(string text, out KillWhom whom) => Whoms.TryParse(text, out whom);

    public static string Format(KillWhom whom) => Whoms.Format(whom);
}
