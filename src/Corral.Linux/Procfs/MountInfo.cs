namespace Corral.Linux.Procfs;

/// <summary>One line of /proc/self/mountinfo (proc(5)).</summary>
public sealed record MountInfo(string MountPoint, string FsType, string Root, IReadOnlyList<string> SuperOptions)
{
    /// <summary>The mount's own options (ro or rw, nosuid, noexec …), as against its file system's.</summary>
    public IReadOnlyList<string> MountOptions { get; init; } = [];

    /// <summary>Parses one line; octal escapes such as \040 in paths are decoded.</summary>
    public static bool TryParse(string line, out MountInfo? info)
    {
        info = null;
        var f = line.Split(' ');
        int dash = Array.IndexOf(f, "-");
        if (f.Length < 10 || dash < 6 || dash + 3 >= f.Length) return false;
        info = new MountInfo(Unescape(f[4]), f[dash + 1], Unescape(f[3]), f[dash + 3].Split(',')) { MountOptions = f[5].Split(',') };
        return true;
    }

    public static IReadOnlyList<MountInfo> ParseAll(string text)
    {
        var list = new List<MountInfo>();
        foreach (var line in text.Split('\n'))
            if (TryParse(line, out var m)) list.Add(m!);
        return list;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && s.Substring(i + 1, 3).All(c => c >= '0' && c <= '7'))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
