using System.Runtime.InteropServices;
using System.Text;

namespace Corral.Linux.Spawn;

/// <summary>
/// Starts a service process through corral-exec with posix_spawn (safe in a multithreaded
/// process, unlike fork). The executor reports a failed step on a status pipe; EOF on that pipe
/// means execve succeeded, so when Spawn returns the service runs its own code in its cgroup.
/// </summary>
public sealed unsafe class Spawner(string executorPath, ChildReaper reaper)
{
    public string ExecutorPath { get; } = executorPath;

    public ProcessHandle Spawn(SpawnRequest req, Action<ProcessHandle, Core.State.ExitStatus> onExit, Action<int>? onSpawned = null)
    {
        var (statusRead, statusWrite) = Interop.Pipe2();
        // Listening sockets go above every descriptor placed here, the status pipe after them, so no
        // dup2 of the spawn's file actions overwrites a source a later one needs; the executor moves
        // the sockets down to 3.. at its end.
        int first = req.ListenFds.Count == 0 ? 3
            : new[] { statusWrite, req.StdinFd, req.StdoutFd, req.StderrFd }.Concat(req.ListenFds).Max() + 1;
        int statusFd = req.ListenFds.Count == 0 ? 3 : first + req.ListenFds.Count;
        var args = BuildExecutorArgs(req, first, statusFd);
        ProcessHandle handle;
        try
        {
            byte* fa = stackalloc byte[Interop.FileActionsSize];
            Interop.FileActionsInit(fa);
            var argv = ToCStrings(args);
            var envp = ToCStrings(req.Environment);
            try
            {
                if (req.StdinFd >= 0) Interop.FileActionsAddDup2(fa, req.StdinFd, 0);
                else Interop.FileActionsAddOpen(fa, 0, "/dev/null", Interop.O_RDONLY, 0);
                if (req.StdoutFd >= 0) Interop.FileActionsAddDup2(fa, req.StdoutFd, 1);
                else Interop.FileActionsAddOpen(fa, 1, "/dev/null", Interop.O_WRONLY, 0);
                if (req.StderrFd >= 0) Interop.FileActionsAddDup2(fa, req.StderrFd, 2);
                else Interop.FileActionsAddOpen(fa, 2, "/dev/null", Interop.O_WRONLY, 0);
                for (int i = 0; i < req.ListenFds.Count; i++) Interop.FileActionsAddDup2(fa, req.ListenFds[i], first + i);
                Interop.FileActionsAddDup2(fa, statusWrite, statusFd);

                using var claim = reaper.BeginClaim();
                int rc, pid;
                fixed (IntPtr* pargv = argv.Pointers)
                fixed (IntPtr* penvp = envp.Pointers)
                    rc = Interop.PosixSpawn(out pid, ExecutorPath, fa, null, pargv, penvp);
                if (rc != 0) throw new SpawnException("posix_spawn", rc, ExecutorPath);
                // The pidfd is open before the exit can be handed on: until the claim registers the
                // pid, the reaper parks its exit.
                var h = new ProcessHandle(pid, Interop.PidfdOpen(pid));
                handle = h;
                // Whoever tracks the service's processes learns of it before its exit can be told.
                onSpawned?.Invoke(pid);
                claim.Register(pid, status => onExit(h, status));
            }
            finally
            {
                Interop.FileActionsDestroy(fa);
                argv.Free();
                envp.Free();
            }
        }
        finally
        {
            Interop.Close(statusWrite);
        }

        string report = ReadAll(statusRead);
        Interop.Close(statusRead);
        // "WARN\tTEXT" lines: a step that went on with less than asked; any other line: the step that failed.
        var warnings = new List<string>();
        foreach (var line in report.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("WARN\t", StringComparison.Ordinal))
            {
                warnings.Add(line[5..]);
                continue;
            }
            handle.Dispose();
            var parts = line.Split('\t');
            throw new SpawnException(parts[0], parts.Length > 1 && int.TryParse(parts[1], out int e) ? e : 0, parts.Length > 2 ? parts[2] : "");
        }
        handle.SpawnWarnings = warnings;
        return handle;
    }

    private static List<string> BuildExecutorArgs(SpawnRequest r, int listenFirst, int statusFd)
    {
        var a = new List<string> { "corral-exec" };
        foreach (var dir in r.CgroupDirs) { a.Add("--cgroup"); a.Add(dir); }
        if (r.Uid is { } uid) { a.Add("--uid"); a.Add(uid.ToString()); }
        if (r.Gid is { } gid) { a.Add("--gid"); a.Add(gid.ToString()); }
        if (r.Groups is { } groups) { a.Add("--groups"); a.Add(groups.Count == 0 ? "" : string.Join(',', groups)); }
        if (r.WorkingDirectory is { } wd) { a.Add("--chdir"); a.Add(wd); }
        if (r.UMask is { } um) { a.Add("--umask"); a.Add(Convert.ToString(um, 8)); }
        foreach (var rl in r.RLimits) { a.Add("--rlimit"); a.Add(rl); }
        if (r.OomScoreAdjust is { } oom) { a.Add("--oom-score-adj"); a.Add(oom.ToString()); }
        if (r.Nice is { } nice) { a.Add("--nice"); a.Add(nice.ToString()); }
        if (r.Scheduling is { } sched) { a.Add("--sched"); a.Add(sched); }
        if (r.IoPriority is { } io) { a.Add("--ioprio"); a.Add(io); }
        if (r.EnvPid is { } envPid) { a.Add("--env-pid"); a.Add(envPid); }
        if (r.ListenFds.Count > 0)
        {
            a.Add("--env-pid"); a.Add("LISTEN_PID");
            a.Add("--listen-fds"); a.Add($"{listenFirst}:{r.ListenFds.Count}");
        }
        if (r.IgnoreSigpipe) { a.Add("--sigpipe"); a.Add("ignore"); }
        if (r.CapabilityBoundingSet is { } bounding) { a.Add("--cap-bounding"); a.Add(bounding.ToString("x")); }
        if (r.AmbientCapabilities != 0) { a.Add("--cap-ambient"); a.Add(r.AmbientCapabilities.ToString("x")); }
        if (r.NoNewPrivileges) a.Add("--no-new-privs");
        if (r.PrivateUsers) a.Add("--private-users");
        if (r.MountPropagation is { } propagation) { a.Add("--mount-propagation"); a.Add(propagation); }
        if (r.Keyring is { } keyring) { a.Add("--keyring"); a.Add(keyring); }
        if (r.SecureBits != 0) { a.Add("--securebits"); a.Add(r.SecureBits.ToString(System.Globalization.CultureInfo.InvariantCulture)); }
        foreach (var ns in r.Namespaces) { a.Add("--ns"); a.Add(ns); }
        foreach (var m in r.Mounts) { a.Add("--mount"); a.Add(m); }
        foreach (var s in r.Seccomp) { a.Add("--seccomp"); a.Add(s); }
        a.Add("--status-fd"); a.Add(statusFd.ToString(System.Globalization.CultureInfo.InvariantCulture));
        a.Add("--");
        a.Add(r.Executable);
        a.AddRange(r.Argv);
        return a;
    }

    private static string ReadAll(int fd)
    {
        var sb = new StringBuilder();
        byte* buf = stackalloc byte[512];
        while (true)
        {
            nint n = Interop.Read(fd, buf, 512);
            if (n < 0 && Interop.LastErrno == Interop.EINTR) continue;
            if (n <= 0) break;
            sb.Append(Encoding.UTF8.GetString(buf, (int)n));
        }
        return sb.ToString();
    }

    private sealed class CStrings(IntPtr[] pointers)
    {
        public IntPtr[] Pointers { get; } = pointers;
        public void Free()
        {
            foreach (var p in Pointers) if (p != IntPtr.Zero) Marshal.FreeCoTaskMem(p);
        }
    }

    private static CStrings ToCStrings(IReadOnlyList<string> items)
    {
        var ptrs = new IntPtr[items.Count + 1];
        for (int i = 0; i < items.Count; i++) ptrs[i] = Marshal.StringToCoTaskMemUTF8(items[i]);
        return new CStrings(ptrs);
    }
}
