namespace Corral.Linux.Cgroups;

/// <summary>
/// Every read and write of a cgroupfs file goes through here, so every error names the file and
/// the value. A cgroup that vanished is an expected race: the Try methods return false for it.
/// </summary>
public static class CgroupFile
{
    public static void Write(string path, string value)
    {
        try
        {
            // cgroupfs takes one value per write(2), no buffering. O_TRUNC, as a shell's '>' opens it:
            // cgroupfs ignores it, and a tree of plain files laid out as cgroupfs (the tests') then
            // holds exactly the value written.
            using var fs = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite, 1);
            var bytes = System.Text.Encoding.ASCII.GetBytes(value);
            fs.Write(bytes);
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            throw new CgroupException($"cannot write '{value}' to {path}: {e.Message}", e);
        }
    }

    public static string Read(string path) =>
        TryRead(path) ?? throw new CgroupException($"cannot read {path}: it does not exist", null);

    private const int Enodev = 19;

    /// <summary>
    /// The file's text, or null when it (or its cgroup) does not exist, also when removed while being
    /// read. A plain open and read (Procfs.ProcReader's): the monitor reads several of these files per
    /// service every tick, and a FileStream added an fstat and a flock pair to each.
    /// </summary>
    public static string? TryRead(string path)
    {
        if (Procfs.ProcReader.TryReadText(path, out int errno) is { } text) return text;
        // ENODEV: the cgroup was removed between open and read. It is gone, as with ENOENT.
        if (errno is Interop.ENOENT or Interop.ENOTDIR or Enodev) return null;
        throw new CgroupException($"cannot read {path}: {ErrnoException.Describe(errno)}", null);
    }

    public static ulong? TryReadNumber(string path)
    {
        string? s = TryRead(path)?.Trim();
        if (s is null || s == "max") return null;
        return ulong.TryParse(s, out ulong v) ? v : null;
    }

    /// <summary>
    /// The pids listed in a cgroup.procs file (empty when the cgroup is gone). The kernel lists a
    /// task as 0 when its pid is not visible here: one that is exiting and has already let its pid
    /// go (seen while a stop kills hundreds at once), or one of another pid namespace. Such a line
    /// names no process this daemon can act on, and is left out.
    /// </summary>
    public static List<int> ReadPids(string procsPath) => ParsePids(TryRead(procsPath));

    /// <summary>The positive pids of a cgroup.procs text, one a line; anything else is skipped.</summary>
    public static List<int> ParsePids(string? text)
    {
        var pids = new List<int>();
        if (text is null) return pids;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(line, System.Globalization.NumberStyles.None, null, out int pid) && pid > 0) pids.Add(pid);
        return pids;
    }

    /// <summary>rmdir of a cgroup; false when it still has processes or children (EBUSY).</summary>
    public static bool TryRemoveDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: false);
            return true;
        }
        catch (DirectoryNotFoundException)
        {
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

public sealed class CgroupException(string message, Exception? inner) : Exception(message, inner);
