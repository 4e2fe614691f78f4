namespace Corral.Linux;

/// <summary>
/// What a sandboxed run keeps on the host, under DIR/UNIT (0700, root's): tmp/ and var-tmp/ (1777),
/// the run's own /tmp and /var/tmp for PrivateTmp=, bound there in each of its processes; net and
/// ipc, the pins its network and IPC namespaces are bound on (native/namespaces.c), so every process
/// of the run joins the same ones. Made fresh when a run starts, removed when it is over; the paths
/// do not change, so a daemon started again (or re-executed) finds a running service's.
/// </summary>
public sealed class SandboxFiles(string root, string unit)
{
    private const int MntDetach = 2;
    private const int OExcl = 0x80;

    public string Directory { get; } = Path.Combine(root, unit);
    public string Tmp => Path.Combine(Directory, "tmp");
    public string VarTmp => Path.Combine(Directory, "var-tmp");
    public string NetworkPin => Path.Combine(Directory, "net");
    public string IpcPin => Path.Combine(Directory, "ipc");

    /// <summary>A previous run's files removed, then what this run needs made. Throws <see cref="ErrnoException"/> naming the path.</summary>
    public void Prepare(bool privateTmp, bool network, bool ipc)
    {
        if (Release() is [var failure, ..]) throw new ErrnoException("remove", Interop.EBUSY, failure);
        if (!privateTmp && !network && !ipc) return;
        const int rootOnly = 0x1c0, everyone = 0x3ff; // 0700; 1777: everyone's, each keeps their own files
        ServiceDirectory.Create(Path.GetDirectoryName(root)!, Path.GetFileName(root), rootOnly, null, null);
        ServiceDirectory.Create(root, unit, rootOnly, null, null);
        if (privateTmp)
        {
            ServiceDirectory.Create(Directory, "tmp", everyone, null, null);
            ServiceDirectory.Create(Directory, "var-tmp", everyone, null, null);
        }
        if (network) Pin(NetworkPin);
        if (ipc) Pin(IpcPin);
    }

    /// <summary>Unmounts the pins and removes everything; what could not be removed is returned, to be said.</summary>
    public List<string> Release()
    {
        var failures = new List<string>();
        if (!System.IO.Directory.Exists(Directory)) return failures;
        foreach (var pin in new[] { NetworkPin, IpcPin })
            if (Interop.Umount2(pin, MntDetach) < 0 && Interop.LastErrno is not (Interop.EINVAL or Interop.ENOENT))
                failures.Add($"{pin}: cannot unmount: {ErrnoException.Describe(Interop.LastErrno)}");
        try
        {
            ServiceDirectory.Remove(root, unit);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"{Directory}: cannot remove: {e.Message}");
        }
        return failures;
    }

    private static void Pin(string path)
    {
        int fd = Interop.Open(path, Interop.O_WRONLY | Interop.O_CREAT | OExcl | Interop.O_CLOEXEC | Interop.O_NOFOLLOW, 0x180);
        if (fd < 0) throw new ErrnoException("create", Interop.LastErrno, path);
        Interop.Close(fd);
    }
}
