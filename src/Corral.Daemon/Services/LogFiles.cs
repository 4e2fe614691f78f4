using Corral.Core.Logs;

namespace Corral.Daemon.Services;

/// <summary>Reading a unit's log files (&lt;unit&gt;.log, then .log.1, .log.2 … older and older) from the newest line back.</summary>
internal static class LogFiles
{
    /// <summary>The unit's files, newest first: the live one, then its backups in order.</summary>
    public static List<string> Of(string logDir, string unit)
    {
        string live = ServiceLog.PathFor(logDir, unit);
        var files = new List<string> { live };
        for (int i = 1; File.Exists($"{live}.{i}"); i++) files.Add($"{live}.{i}");
        return files;
    }

    /// <summary>
    /// Removes the log files (the live one and its backups) of all but the <paramref name="keep"/>
    /// latest instances of <paramref name="template"/> that are let go (not <paramref name="live"/>: asked only of this template's files),
    /// latest by their live file's last write. What cannot be removed is left, and said.
    /// </summary>
    public static void PruneLetGo(string logDir, string template, Func<string, bool> live, int keep)
    {
        string prefix = template[..(template.IndexOf('@') + 1)], suffix = template[(template.IndexOf('@') + 1)..] + ".log";
        List<FileInfo> gone;
        try
        {
            gone = [.. new DirectoryInfo(logDir).EnumerateFiles(prefix + "*" + suffix)
                .Where(f => f.Name.StartsWith(prefix, StringComparison.Ordinal) && f.Name.EndsWith(suffix, StringComparison.Ordinal)
                    && !live(f.Name[..^".log".Length]))
                .OrderByDescending(f => f.LastWriteTimeUtc)];
        }
        catch (Exception e) when (Core.FileErrors.Is(e))
        {
            return;
        }
        foreach (var f in gone.Skip(keep))
            foreach (var file in Of(logDir, f.Name[..^".log".Length]))
            {
                try { File.Delete(file); }
                catch (Exception e) when (Core.FileErrors.Is(e)) { Console.Error.WriteLine($"corral: cannot remove {file}: {e.Message}"); }
            }
    }

    /// <summary>The last <paramref name="count"/> lines, or those after a time (<paramref name="afterUsec"/>, exclusive) or since one (inclusive), oldest first.</summary>
    public static List<LogLine> Read(string logDir, string unit, int count, long? afterUsec, long? sinceUsec)
    {
        var lines = new List<LogLine>();
        foreach (var line in ReadBackwards(Of(logDir, unit)))
        {
            if (afterUsec is { } a && line.Usec <= a) break;
            if (sinceUsec is { } s && line.Usec < s) break;
            lines.Add(line);
            if (lines.Count >= count) break;
        }
        lines.Reverse();
        return lines;
    }

    /// <summary>Lines from the end of each file to its start, file after file; lines that do not parse are skipped.</summary>
    public static IEnumerable<LogLine> ReadBackwards(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            // Never through a symlink: the daemon reads as root, the caller may be any member of the socket's group.
            var fs = Linux.NoFollowFile.OpenRead(file);
            if (fs is null) continue;
            using (fs)
                foreach (var line in Backwards(fs))
                    if (LogLine.TryParse(line, out var parsed)) yield return parsed;
        }
    }

    private static IEnumerable<byte[]> Backwards(FileStream fs)
    {
        const int Block = 64 * 1024;
        long length = fs.Length, pos = length; // what is appended while reading is for the next read
        var carry = Array.Empty<byte>(); // the start of a line whose beginning is in an earlier block
        var buf = new byte[Block];
        while (pos > 0)
        {
            int size = (int)Math.Min(Block, pos);
            pos -= size;
            fs.Position = pos;
            fs.ReadExactly(buf, 0, size);
            var chunk = new byte[size + carry.Length];
            Buffer.BlockCopy(buf, 0, chunk, 0, size);
            Buffer.BlockCopy(carry, 0, chunk, size, carry.Length);
            int end = chunk.Length;
            if (end > 0 && chunk[end - 1] == (byte)'\n' && carry.Length == 0 && pos + size == length) end--; // the file's last newline
            for (int i = end - 1; i >= 0; i--)
            {
                if (chunk[i] != (byte)'\n') continue;
                yield return chunk[(i + 1)..end];
                end = i;
            }
            carry = chunk[..end];
        }
        if (carry.Length > 0) yield return carry;
    }
}
