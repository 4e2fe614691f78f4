using System.Text;

namespace Corral.Cli;

/// <summary>
/// What the CLI prints comes in part from hostile sources: a process's command line and name, a
/// service's output, a signal sender's name. Written raw, an escape sequence among them would drive
/// the administrator's terminal (retitle it, rewrite what was printed, on some terminals more). So
/// every control character but tab and newline — C0, DEL, C1 — is printed as \xNN, as systemd
/// prints unprintable bytes. --json output is unaffected: the serializer escapes them already.
/// </summary>
internal sealed class TerminalSafeWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public static void Install()
    {
        Console.SetOut(new TerminalSafeWriter(Console.Out));
        Console.SetError(new TerminalSafeWriter(Console.Error));
    }

    public static bool IsUnsafe(char c) => (c < ' ' && c is not ('\t' or '\n')) || c is >= (char)0x7f and <= (char)0x9f;

    public static string Escape(string s)
    {
        if (!s.Any(IsUnsafe)) return s;
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
        {
            if (IsUnsafe(c)) sb.Append($"\\x{(int)c:x2}");
            else sb.Append(c);
        }
        return sb.ToString();
    }

    public override void Write(char value)
    {
        if (IsUnsafe(value)) inner.Write($"\\x{(int)value:x2}");
        else inner.Write(value);
    }

    public override void Write(string? value) => inner.Write(value is null ? null : Escape(value));
    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));
    public override void WriteLine(string? value) => inner.WriteLine(value is null ? null : Escape(value));
    public override void WriteLine() => inner.WriteLine();
    public override void Flush() => inner.Flush();
}
