using System.Text;

namespace Corral.Linux.Procfs;

/// <summary>
/// Reads /proc. A process may exit between any two reads: every method is a Try that returns
/// false (or null) for a process that is gone, never throws for it.
/// </summary>
public static class ProcReader
{
    public static bool TryReadStat(int pid, out ProcStat? stat)
    {
        stat = null;
        string? text = TryReadText($"/proc/{pid}/stat");
        return text is not null && ProcStat.TryParse(text.TrimEnd('\n'), out stat);
    }

    /// <summary>The command line with NULs turned into spaces; empty for kernel threads and zombies.</summary>
    public static string? TryReadCmdline(int pid)
    {
        string? raw = TryReadText($"/proc/{pid}/cmdline");
        return raw?.TrimEnd('\0').Replace('\0', ' ');
    }

    public static string? TryReadText(string path)
    {
        try
        {
            // /proc files report size 0; read them as a stream.
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            using var sr = new StreamReader(fs, Encoding.UTF8, false, 4096);
            return sr.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null; // ESRCH shows as ENOENT or as an I/O error on a vanished task
        }
    }
}
