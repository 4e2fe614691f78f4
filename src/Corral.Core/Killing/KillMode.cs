namespace Corral.Core.Killing;

/// <summary>systemd.kill(5) KillMode=.</summary>
public enum KillMode { ControlGroup, Mixed, Process, None }

/// <summary>Who <c>corral kill --kill-whom=</c> reaches.</summary>
public enum KillWhom { Main, Control, All }

public static class KillModeNames
{
    public static string Format(KillMode mode) => mode switch
    {
        KillMode.ControlGroup => "control-group",
        KillMode.Mixed => "mixed",
        KillMode.Process => "process",
        _ => "none",
    };

    public static bool TryParse(string text, out KillMode mode)
    {
        switch (text)
        {
            case "control-group": mode = KillMode.ControlGroup; return true;
            case "mixed": mode = KillMode.Mixed; return true;
            case "process": mode = KillMode.Process; return true;
            case "none": mode = KillMode.None; return true;
            default: mode = default; return false;
        }
    }

    public static bool TryParseWhom(string text, out KillWhom whom)
    {
        switch (text)
        {
            case "main": whom = KillWhom.Main; return true;
            case "control": whom = KillWhom.Control; return true;
            case "all": whom = KillWhom.All; return true;
            default: whom = default; return false;
        }
    }
}
