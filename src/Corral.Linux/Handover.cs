namespace Corral.Linux;

/// <summary>
/// Descriptors one program image hands to the next in the same process (daemon-reexec): the
/// listening sockets and the kernel's event streams stay open across execve, so nothing is refused
/// and no event is missed while the new image starts. Their numbers travel in one environment
/// variable, <c>CORRAL_HANDOVER=control:5,notify:6</c>; the new image takes the variable out of its
/// environment first thing, checks each descriptor is open, and marks it close-on-exec again, so
/// no service ever inherits one. A descriptor no part of the new image claims is closed.
/// </summary>
public sealed class Handover
{
    public const string Variable = "CORRAL_HANDOVER";
    private readonly Dictionary<string, int> _fds;
    private readonly string _from;

    private Handover(Dictionary<string, int> fds, string from = Variable)
    {
        _fds = fds;
        _from = from;
    }

    /// <summary>Named descriptors from elsewhere (the socket holder's copies), claimed and closed as a hand-over's.</summary>
    public static Handover Of(Dictionary<string, int> fds, string from) => new(fds, from);

    /// <summary>Names and descriptors as handed (for the log).</summary>
    public override string ToString() => string.Join(", ", _fds.Select(kv => $"{kv.Key} {kv.Value}"));

    /// <summary>
    /// The descriptors the previous image handed over, or null when this image was not started by
    /// one. A malformed entry, or a number that is not an open descriptor, is left out and said.
    /// </summary>
    public static Handover? Take()
    {
        string? value = Environment.GetEnvironmentVariable(Variable);
        if (value is null) return null;
        Environment.SetEnvironmentVariable(Variable, null);
        var fds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string entry in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            // The last ':' ends the name: a unit's name may hold one ("socket/a:b.socket/0:7").
            int colon = entry.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out int fd) || fd < 3
                || fds.ContainsKey(entry[..colon]) || Interop.Fcntl(fd, Interop.F_GETFD, 0) < 0)
            {
                Console.Error.WriteLine($"corral: {Variable}: '{entry}' is not a name and an open descriptor above 2; ignored");
                continue;
            }
            Interop.Fcntl(fd, Interop.F_SETFD, Interop.FD_CLOEXEC);
            fds[entry[..colon]] = fd;
        }
        return new Handover(fds);
    }

    /// <summary>The descriptor handed over as <paramref name="name"/>, now this caller's to own; null when there is none.</summary>
    public int? Claim(string name) => _fds.Remove(name, out int fd) ? fd : null;

    /// <summary>Closes what nobody claimed (a part this image no longer has, or runs without).</summary>
    public void CloseUnclaimed()
    {
        foreach (var (name, fd) in _fds)
        {
            Console.Error.WriteLine($"corral: {_from}: descriptor {fd} ({name}) was handed over but nothing here takes it; closed");
            Interop.Close(fd);
        }
        _fds.Clear();
    }

    /// <summary>
    /// Replaces this program by <paramref name="path"/> in the same process, handing
    /// <paramref name="fds"/> over. Returns only if the exec failed, with why; the descriptors are
    /// then close-on-exec again and nothing has changed.
    /// </summary>
    public static unsafe ErrnoException Exec(string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, int> fds)
    {
        var env = new List<string?>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            if ((string)e.Key != Variable) env.Add($"{e.Key}={e.Value}");
        env.Add($"{Variable}={string.Join(',', fds.Select(kv => $"{kv.Key}:{kv.Value}"))}");
        env.Add(null);
        foreach (int fd in fds.Values) Interop.Fcntl(fd, Interop.F_SETFD, 0);
        // The new image starts with this thread's signal mask: it must block nothing.
        byte* empty = stackalloc byte[128];
        new Span<byte>(empty, 128).Clear();
        Interop.Sigprocmask(Interop.SIG_SETMASK, empty, null);
        Interop.Execve(path, [.. argv, null], [.. env]);
        int errno = Interop.LastErrno;
        foreach (int fd in fds.Values) Interop.Fcntl(fd, Interop.F_SETFD, Interop.FD_CLOEXEC);
        return new ErrnoException("execve", errno, path);
    }

    /// <summary>
    /// The program this process runs, as a path to exec again: /proc/self/exe, without the
    /// " (deleted)" the kernel adds once a package upgrade has replaced the file (the path then
    /// names the new one).
    /// </summary>
    public static string RunningProgram()
    {
        string exe = File.ResolveLinkTarget("/proc/self/exe", returnFinalTarget: false)?.FullName ?? throw new IOException("/proc/self/exe cannot be read");
        const string Deleted = " (deleted)";
        return exe.EndsWith(Deleted, StringComparison.Ordinal) ? exe[..^Deleted.Length] : exe;
    }

    /// <summary>This process's arguments as the kernel has them (/proc/self/cmdline), argv[0] first.</summary>
    public static List<string> RunningArguments()
    {
        var bytes = File.ReadAllBytes("/proc/self/cmdline");
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        if (text.EndsWith('\0')) text = text[..^1];
        return [.. text.Split('\0')];
    }
}
