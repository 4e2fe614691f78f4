namespace Corral.Linux;

/// <summary>
/// RemoveIPC=: what inter-process communication objects a user leaves behind, removed as systemd
/// removes them — System V shared memory segments, message queues and semaphore sets the user owns
/// or created (listed in /proc/sysvipc), and the POSIX shared memory and message queue files the
/// user owns (/dev/shm, /dev/mqueue when mounted). The caller makes sure nothing of the user runs.
/// </summary>
public static class IpcObjects
{
    /// <summary>Removes the user's objects; returns what could not be removed, in words. Never for root.</summary>
    public static List<string> RemoveOf(int uid, string procSysvipc = "/proc/sysvipc", string[]? posixDirs = null)
    {
        var failures = new List<string>();
        if (uid == 0) return failures;
        SystemV(Path.Combine(procSysvipc, "shm"), "shmid", uid, id => Interop.Shmctl(id, Interop.IPC_RMID, 0), "shared memory segment", failures);
        SystemV(Path.Combine(procSysvipc, "msg"), "msqid", uid, id => Interop.Msgctl(id, Interop.IPC_RMID, 0), "message queue", failures);
        SystemV(Path.Combine(procSysvipc, "sem"), "semid", uid, id => Interop.Semctl(id, 0, Interop.IPC_RMID), "semaphore set", failures);
        foreach (var dir in posixDirs ?? ["/dev/shm", "/dev/mqueue"]) Posix(dir, uid, failures);
        return failures;
    }

    /// <summary>The ids of a /proc/sysvipc table whose uid or cuid column is the user's (columns found by the header's names).</summary>
    public static List<int> IdsOf(string table, string idColumn, int uid)
    {
        var ids = new List<int>();
        string[] lines;
        try { lines = File.ReadAllLines(table); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return ids; }
        if (lines.Length == 0) return ids;
        var header = lines[0].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int idAt = Array.IndexOf(header, idColumn), uidAt = Array.IndexOf(header, "uid"), cuidAt = Array.IndexOf(header, "cuid");
        if (idAt < 0 || uidAt < 0) return ids;
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length <= Math.Max(idAt, Math.Max(uidAt, cuidAt)) || !int.TryParse(f[idAt], out int id)) continue;
            if (f[uidAt] == uid.ToString() || (cuidAt >= 0 && f[cuidAt] == uid.ToString())) ids.Add(id);
        }
        return ids;
    }

    private static void SystemV(string table, string idColumn, int uid, Func<int, int> remove, string what, List<string> failures)
    {
        foreach (int id in IdsOf(table, idColumn, uid))
            if (remove(id) < 0 && Interop.LastErrno is not (Interop.EINVAL or Interop.ENOENT)) // gone meanwhile
                failures.Add($"System V {what} {id}: {ErrnoException.Describe(Interop.LastErrno)}");
    }

    /// <summary>The entries of a POSIX IPC directory the user owns, each removed as what it is (a link as a link, never followed).</summary>
    private static void Posix(string dir, int uid, List<string> failures)
    {
        IEnumerable<string> entries;
        try { entries = Directory.EnumerateFileSystemEntries(dir).ToList(); }
        catch (Exception e) when (Core.FileErrors.Is(e)) { return; }
        foreach (var path in entries)
        {
            try
            {
                if (FileFacts.OfPath(path) is not { } f || f.Uid != uid) continue;
                if (f.IsDirectory) new DirectoryInfo(path).Delete(recursive: true);
                else File.Delete(path);
            }
            catch (Exception e) when (e is ErrnoException || Core.FileErrors.Is(e))
            {
                failures.Add($"{path}: cannot remove: {e.Message}");
            }
        }
    }
}
