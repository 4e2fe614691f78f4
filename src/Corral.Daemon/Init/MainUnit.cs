using System.Text;

namespace Corral.Daemon.Init;

/// <summary>
/// The container's command as a unit, main.service: its ExecStart= is the command (found on PATH
/// when it names no directory, as a shell would), it runs in the init's working directory with the
/// init's environment (PassEnvironment= of every variable), stops within the grace
/// (TimeoutStopSec=) and never restarts — the container's runtime decides that.
/// </summary>
internal static class MainUnit
{
    public const string Name = "main.service";

    /// <summary>The unit file's text; throws ArgumentException naming the argument that cannot be written in one.</summary>
    public static string Text(InitOptions init, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        if (init.Command.Count == 0) throw new ArgumentException("init: no command given (corral init [OPTIONS] -- CMD ARGS...)");
        if (workingDirectory.AsSpan().IndexOfAny('\n', '\r', '\0') >= 0)
            throw new ArgumentException("init: the working directory's name holds a line break, which a unit file cannot carry");
        var exec = new StringBuilder();
        for (int i = 0; i < init.Command.Count; i++)
        {
            string arg = i == 0 ? Resolve(init.Command[0], environment.GetValueOrDefault("PATH")) : init.Command[i];
            if (arg.AsSpan().IndexOfAny('\n', '\r', '\0') >= 0)
                throw new ArgumentException($"init: argument {i} of the command ({Printable(arg)}) holds a line break or NUL, which a unit file cannot carry");
            if (i > 0) exec.Append(' ');
            exec.Append(Quote(arg));
        }
        var names = environment.Keys.Where(IsPassable).Order(StringComparer.Ordinal).ToList();
        var unit = new StringBuilder()
            .Append("# Written by corral init: the container's command.\n")
            .Append("[Unit]\nDescription=the container's command\n")
            .Append("[Service]\n")
            .Append("ExecStart=").Append(exec).Append('\n')
            .Append("WorkingDirectory=").Append(workingDirectory.Replace("%", "%%")).Append('\n')
            .Append("TimeoutStopSec=").Append((long)Math.Ceiling(init.Grace.TotalMilliseconds)).Append("ms\n")
            .Append("Restart=no\n");
        if (names.Count > 0) unit.Append("PassEnvironment=").Append(string.Join(' ', names)).Append('\n');
        return unit.ToString();
    }

    /// <summary>An argument in double quotes: backslash and quote escaped, $ and % doubled (no variable or specifier is expanded in it).</summary>
    public static string Quote(string arg)
    {
        var b = new StringBuilder("\"");
        foreach (char c in arg)
        {
            switch (c)
            {
                case '\\': b.Append("\\\\"); break;
                case '"': b.Append("\\\""); break;
                case '$': b.Append("$$"); break;
                case '%': b.Append("%%"); break;
                case '\t': b.Append("\\t"); break;
                default: b.Append(c); break;
            }
        }
        return b.Append('"').ToString();
    }

    /// <summary>A command with no slash is looked up on PATH, as the shell would; left as it is when not found (the start then says so).</summary>
    private static string Resolve(string command, string? path)
    {
        if (command.Contains('/')) return command;
        foreach (var dir in (path ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, command);
            if (File.Exists(candidate) && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
                return Path.GetFullPath(candidate);
        }
        return command;
    }

    /// <summary>A variable the command gets from the init's environment: a valid name, not one of Corral's own.</summary>
    private static bool IsPassable(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        && name is not ("NOTIFY_SOCKET" or "LISTEN_FDS" or "LISTEN_PID" or "LISTEN_FDNAMES" or "INVOCATION_ID")
        && !name.StartsWith("CORRAL_", StringComparison.Ordinal);

    private static string Printable(string s) => string.Concat(s.Take(40).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
}
