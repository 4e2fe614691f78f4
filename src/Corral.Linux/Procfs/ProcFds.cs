namespace Corral.Linux.Procfs;

/// <summary>
/// A process's open descriptors as /proc shows them: /proc/PID/fd/N (a link naming what is open,
/// "pipe:[INODE]" for a pipe) and /proc/PID/fdinfo/N. Gone processes and descriptors read as null
/// or empty, never as an error.
/// </summary>
public static class ProcFds
{
    /// <summary>The paths /proc/PID/fd/N of the process's descriptors; empty when it is gone.</summary>
    public static string[] Paths(int pid)
    {
        try { return Directory.GetFiles($"/proc/{pid}/fd"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>What the descriptor at PATH (/proc/PID/fd/N) names, as the kernel spells it; null when it is gone.</summary>
    public static string? Target(string path)
    {
        try { return new FileInfo(path).LinkTarget; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static string? Target(int pid, int fd) => Target($"/proc/{pid}/fd/{fd}");

    /// <summary>The access mode the descriptor was opened with (O_RDONLY 0, O_WRONLY 1, O_RDWR 2), from the octal "flags:" of fdinfo; null when it is gone.</summary>
    public static int? AccessMode(int pid, int fd)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/fdinfo/{fd}"))
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                    return Convert.ToInt32(line[6..].Trim(), 8) & 3;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException) { }
        return null;
    }
}
