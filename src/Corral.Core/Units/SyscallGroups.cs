namespace Corral.Core.Units;

/// <summary>
/// systemd's named sets of system calls (@system-service, @privileged, ...), read from the
/// syscall-groups.txt resource (tools/syscall-groups.sh), and every name a unit may use.
/// </summary>
public static class SyscallGroups
{
    private static readonly Dictionary<string, string[]> Groups = Load();
    private static readonly HashSet<string> Known = [.. Groups.Values.SelectMany(m => m).Where(m => !m.StartsWith('@'))];

    public static IEnumerable<string> Names => Groups.Keys;

    /// <summary>A group's system calls, its groups expanded; null for a name that is no group.</summary>
    public static IReadOnlySet<string>? Expand(string group)
    {
        if (!Groups.ContainsKey(group)) return null;
        var set = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string g)
        {
            if (!seen.Add(g)) return;
            foreach (var m in Groups[g])
                if (m.StartsWith('@')) Add(m);
                else set.Add(m);
        }
        Add(group);
        return set;
    }

    /// <summary>A group's members as systemd lists them, in its order (names and @groups); null for a name that is no group.</summary>
    public static IReadOnlyList<string>? MembersOf(string group) => Groups.GetValueOrDefault(group);

    /// <summary>Whether any architecture has a system call of this name.</summary>
    public static bool IsSystemCall(string name) => Known.Contains(name);

    private static Dictionary<string, string[]> Load()
    {
        using var stream = typeof(SyscallGroups).Assembly.GetManifestResourceStream("syscall-groups.txt")
            ?? throw new InvalidOperationException("syscall-groups.txt is not in the assembly");
        using var reader = new StreamReader(stream);
        var groups = new Dictionary<string, string[]>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith('@')) continue;
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            groups[words[0]] = words[1..];
        }
        return groups;
    }
}
