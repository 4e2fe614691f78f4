using System.Text;

namespace Corral.Core.Units;

/// <summary>Where a process's standard input comes from (StandardInput=).</summary>
public enum InputKind { Null, Data, File, Socket }

/// <summary>Where standard output or error goes (StandardOutput=, StandardError=).</summary>
public enum OutputKind
{
    /// <summary>journal, syslog, kmsg and their +console forms: the unit's own log, which is Corral's journal.</summary>
    Log,
    Null,
    /// <summary>The same as standard input (output), or as standard output (error).</summary>
    Inherit,
    /// <summary>file:PATH — written from its start without truncating it.</summary>
    File,
    /// <summary>socket: the connection an Accept=yes socket unit started the service for.</summary>
    Socket,
    /// <summary>append:PATH</summary>
    Append,
    /// <summary>truncate:PATH</summary>
    Truncate,
}

public sealed record StandardInput(InputKind Kind, string? Path = null)
{
    public static readonly StandardInput Null = new(InputKind.Null);
}

public sealed record StandardOutput(OutputKind Kind, string? Path = null)
{
    public static readonly StandardOutput Log = new(OutputKind.Log);
    public static readonly StandardOutput Inherit = new(OutputKind.Inherit);
}

/// <summary>StandardInput=, StandardOutput=, StandardError=, StandardInputText=, StandardInputData= as systemd.exec(5) spells them.</summary>
public static class StandardIo
{
    /// <summary>systemd's limit on the data given as standard input.</summary>
    public const int MaxInputData = 64 << 20;

    /// <summary>The input; what Corral cannot give (tty, socket, fd:) is said in <paramref name="unsupported"/> and taken as null.</summary>
    public static StandardInput ParseInput(string v, out string? unsupported)
    {
        unsupported = null;
        if (v == "null") return StandardInput.Null;
        if (v is "data") return new(InputKind.Data);
        if (v.StartsWith("file:", StringComparison.Ordinal)) return new(InputKind.File, AbsolutePath(v[5..]));
        if (v is "socket") return new(InputKind.Socket);
        if (v is "tty" or "tty-force" or "tty-fail" || v.StartsWith("fd", StringComparison.Ordinal))
        {
            unsupported = $"StandardInput={v} is not supported by Corral (no terminals or named descriptors yet); the service reads /dev/null";
            return StandardInput.Null;
        }
        throw new UnitValueException("is not one of null, data, file:PATH, socket (or tty, fd:NAME, which Corral does not give)");
    }

    /// <summary>An output; tty, socket and fd: go to the log, said in <paramref name="unsupported"/>.</summary>
    public static StandardOutput ParseOutput(string key, string v, out string? unsupported)
    {
        unsupported = null;
        switch (v)
        {
            case "inherit": return StandardOutput.Inherit;
            case "null": return new(OutputKind.Null);
            case "journal" or "syslog" or "kmsg" or "journal+console" or "syslog+console" or "kmsg+console": return StandardOutput.Log;
        }
        foreach (var (prefix, kind) in new[] { ("file:", OutputKind.File), ("append:", OutputKind.Append), ("truncate:", OutputKind.Truncate) })
            if (v.StartsWith(prefix, StringComparison.Ordinal)) return new(kind, AbsolutePath(v[prefix.Length..]));
        if (v is "socket") return new(OutputKind.Socket);
        if (v is "tty" || v.StartsWith("fd", StringComparison.Ordinal))
        {
            unsupported = $"{key}={v} is not supported by Corral (no terminals or named descriptors yet); the output goes to the unit's log";
            return StandardOutput.Log;
        }
        throw new UnitValueException("is not one of inherit, null, journal, syslog, kmsg, socket, file:PATH, append:PATH, truncate:PATH");
    }

    /// <summary>StandardInputText=: one line, C escapes already undone by the word rules, with its newline.</summary>
    public static byte[] Text(string line) => Encoding.UTF8.GetBytes(Unescape(line) + "\n");

    /// <summary>StandardInputData=: base64, whitespace allowed inside.</summary>
    public static byte[] Base64(string v)
    {
        try
        {
            return Convert.FromBase64String(string.Concat(v.Where(c => !char.IsWhiteSpace(c))));
        }
        catch (FormatException)
        {
            throw new UnitValueException("is not base64");
        }
    }

    private static string AbsolutePath(string path) =>
        path.StartsWith('/') && !path.Contains('\0') ? path : throw new UnitValueException($"'{path}' must be an absolute path");

    /// <summary>C escapes as systemd takes them in StandardInputText=: \n \t \\ \" \' \xNN.</summary>
    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length) { sb.Append(s[i]); continue; }
            char n = s[++i];
            switch (n)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'x' when i + 2 < s.Length && int.TryParse(s.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out int b):
                    sb.Append((char)b);
                    i += 2;
                    break;
                default: sb.Append(n); break;
            }
        }
        return sb.ToString();
    }
}
