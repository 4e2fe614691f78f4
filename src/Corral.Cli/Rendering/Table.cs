namespace Corral.Cli.Rendering;

/// <summary>systemctl's list tables (list-timers, list-sockets): a heading, each column as wide as its widest cell, the last one unpadded.</summary>
internal static class Table
{
    public static void Print(string[] head, IReadOnlyList<string[]> rows, bool legend)
    {
        var widths = head.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join(' ', cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
        if (legend) Console.WriteLine(Line(head));
        foreach (var r in rows) Console.WriteLine(Line(r));
    }
}
