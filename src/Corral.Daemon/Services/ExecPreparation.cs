using Corral.Core.Units;
using Corral.Linux;
using Corral.Linux.Cgroups;
using Corral.Linux.Spawn;
using Corral.Linux.Users;

namespace Corral.Daemon.Services;

/// <summary>Turns a unit and one of its commands into what the executor needs: environment, argv, credentials.</summary>
internal static class ExecPreparation
{
    /// <summary>The largest EnvironmentFile= read (systemd reads env files whole too; a bigger one is a mistake or an attack).</summary>
    public const int EnvironmentFileMaxBytes = 1 << 20;

    private static readonly string[] SearchPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <param name="notifySocket">the daemon's NOTIFY_SOCKET, given to every process of a unit NotifyAccess= lets speak</param>
    /// <param name="isMain">the main process: with WatchdogSec=, it gets WATCHDOG_USEC= and WATCHDOG_PID= (its own pid)</param>
    /// <param name="files">where files StandardInput=/StandardOutput=/StandardError= name are opened, for the caller to close once spawned</param>
    /// <param name="sandbox">the run's files on the host (private /tmp, namespace pins); null: a unit without PrivateTmp=, PrivateNetwork=, PrivateIPC=</param>
    /// <param name="dynamicUser">DynamicUser=: the user lent to the run (DynamicUsers)</param>
    /// <param name="sockets">the listening sockets of its socket units (the main process only): fds 3.., LISTEN_FDS=, LISTEN_FDNAMES=, LISTEN_PID=</param>
    public static SpawnRequest Build(ServiceUnit u, ExecCommand cmd, ServiceCgroup cg, OutputPipes pipes, int? mainPid,
        string? notifySocket = null, bool isMain = false, StdioFiles? files = null, SandboxFiles? sandbox = null, UserEntry? dynamicUser = null,
        Sockets.PassedSockets? sockets = null)
    {
        bool privileged = cmd.Flags.HasFlag(ExecFlags.FullPrivileges);
        // '+': full privileges, as systemd: neither credentials nor capabilities nor the sandbox apply.
        var box = privileged ? Sandbox.None : u.Sandbox;
        // '!' leaves the credentials to the program; everything else still applies.
        bool ownCredentials = privileged || cmd.Flags.HasFlag(ExecFlags.NoCredentials);
        UserDatabase? users = u.User is not null || u.Group is not null || u.SupplementaryGroups.Count > 0 ? UserDatabase.Load() : null; // read at each start: accounts added since are found
        var (user, gid) = privileged ? (null, null)
            : dynamicUser is not null ? (dynamicUser, u.Group is { } g && users!.FindGroup(g) is { } staticGid ? staticGid : dynamicUser.Gid)
            : users is null ? (null, null) : Credentials(u, users);
        // A dynamic user's private directories: only its own are seen, under an empty BASE/private.
        bool privateDirs = dynamicUser is not null && !privileged;
        if (privateDirs)
        {
            var (tmpfs, binds) = ServiceDirectories.PrivateView(u);
            box = box with { TemporaryFileSystems = [.. box.TemporaryFileSystems, .. tmpfs], BindPaths = [.. box.BindPaths, .. binds] };
        }

        var env = BuildEnvironment(u, user, mainPid, dynamic: dynamicUser is not null && user == dynamicUser);
        if (notifySocket is not null && u.NotifyAccess != NotifyAccess.None) env["NOTIFY_SOCKET"] = notifySocket;
        bool watched = isMain && u.WatchdogSec > TimeSpan.Zero;
        if (sockets is not null && isMain)
        {
            env["LISTEN_FDS"] = sockets.Fds.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            env["LISTEN_FDNAMES"] = string.Join(':', sockets.Names);
            env.Remove("LISTEN_PID"); // the executor sets it to the process's own pid
        }
        if (watched) env["WATCHDOG_USEC"] = Core.Text.Microseconds.Of(u.WatchdogSec).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var argv = cmd.ExpandArgv(env);
        // RootDirectory=: the program and the working directory are the new root's.
        string? root = box.RootDirectory;
        string exe = Resolve(cmd.Path, u.ExecSearchPath.Count > 0 ? u.ExecSearchPath : SearchPath, root);
        var (stdin, stdout, stderr) = Stdio(u, pipes, files, sockets?.Connection, isMain);

        List<int>? groups = null;
        if (!ownCredentials)
        {
            if (user is not null || u.SupplementaryGroups.Count > 0)
            {
                groups = user is null || user == dynamicUser ? [] : users!.MembershipsOf(user.Name).ToList();
                foreach (var sg in u.SupplementaryGroups)
                    groups.Add(users!.FindGroup(sg) ?? throw new StartPreparationException($"SupplementaryGroups={sg}: no such group in /etc/group"));
            }
        }

        string? wd = u.WorkingDirectory == "~" ? user?.Home ?? "/root" : u.WorkingDirectory;
        if (wd is not null && u.WorkingDirectoryOptional && !Directory.Exists(root is null ? wd : root + wd)) wd = null;
        // As systemd's system manager: without WorkingDirectory=, the root directory, never the daemon's own.
        wd ??= "/";

        // Every limit is set: the unit's own, or systemd's default — never what the daemon inherited.
        var rlimits = new List<string>(DefaultLimits.Names.Count);
        foreach (var name in DefaultLimits.Names)
        {
            var l = u.Limits.TryGetValue(name, out var own) ? own : HostLimits.DefaultRLimits[name];
            rlimits.Add($"{name}={RLimit.FormatValue(l.Soft)}:{RLimit.FormatValue(l.Hard)}");
        }

        return new SpawnRequest
        {
            Executable = exe,
            Argv = argv,
            Environment = env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            CgroupDirs = cg.AllPaths().ToList(),
            Uid = ownCredentials ? null : user?.Uid,
            Gid = ownCredentials ? null : gid,
            Groups = groups,
            WorkingDirectory = wd,
            UMask = u.UMask,
            RLimits = rlimits,
            OomScoreAdjust = u.OomScoreAdjust,
            Nice = u.Nice,
            Scheduling = u.CpuSchedulingPolicy is { } policy ? $"{policy}:{u.CpuSchedulingPriority}:{(u.CpuSchedulingResetOnFork ? 1 : 0)}" : null,
            IoPriority = u.IoSchedulingClass is { } cls ? $"{cls}:{(cls == 3 ? 0 : u.IoSchedulingPriority)}" : null,
            EnvPid = watched ? "WATCHDOG_PID" : null,
            IgnoreSigpipe = u.IgnoreSigpipe,
            CapabilityBoundingSet = privileged ? null
                : box.DroppedCapabilities != 0 ? (u.CapabilityBoundingSet ?? Capabilities.All) & ~box.DroppedCapabilities
                : u.CapabilityBoundingSet,
            AmbientCapabilities = privileged ? 0 : u.AmbientCapabilities,
            NoNewPrivileges = !privileged && u.NoNewPrivileges,
            PrivateUsers = box.PrivateUsers,
            MountPropagation = box.HasMountNamespace ? box.MountPropagation : null,
            Keyring = u.KeyringMode == "inherit" ? null : u.KeyringMode,
            SecureBits = privileged ? 0 : u.SecureBits,
            Namespaces = Namespaces(box, sandbox),
            Mounts = MountPlan.For(box, u.Directories.Where(kv => !(privateDirs && kv.Key.PrivateForDynamicUser()))
                    .SelectMany(kv => kv.Value.Select(p => kv.Key.Base() + "/" + p)),
                box.PrivateTmp ? (Need(sandbox).Tmp, sandbox!.VarTmp) : null,
                u.NotifyAccess != NotifyAccess.None ? notifySocket : null).Select(m => m.ToArgument()).ToList(),
            Seccomp = SeccompArguments(box),
            ListenFds = isMain ? sockets?.Fds ?? [] : [],
            StdinFd = stdin,
            StdoutFd = stdout,
            StderrFd = stderr,
        };
    }

    /// <summary>The executor's namespace steps: PrivateNetwork= (or NetworkNamespacePath=), PrivateIPC= (or IPCNamespacePath=), ProtectHostname=.</summary>
    private static List<string> Namespaces(Sandbox s, SandboxFiles? files)
    {
        var list = new List<string>();
        if (s.PrivateNetwork) list.Add("net:" + Need(files).NetworkPin);
        else if (s.NetworkNamespacePath is { } path) list.Add("netpath:" + path);
        if (s.PrivateIpc) list.Add("ipc:" + Need(files).IpcPin);
        else if (s.IpcNamespacePath is { } ipc) list.Add("ipcpath:" + ipc);
        if (s.ProtectHostname) list.Add("uts");
        return list;
    }

    /// <summary>The executor's --seccomp parts; an allow list always lets through what exec and exit need (systemd's rule), a deny list never takes them.</summary>
    private static List<string> SeccompArguments(Sandbox s)
    {
        var a = new List<string>();
        if (s.ProtectClock) a.Add("clock:" + string.Join(',', SyscallGroups.Expand("@clock")!.Order(StringComparer.Ordinal)));
        var f = s.Filter;
        if (!f.Any) return a;
        if (f.AllowList is { } allow)
        {
            var calls = allow ? f.Calls.Union(SyscallFilter.AlwaysAllowed) : f.Calls.Except(SyscallFilter.AlwaysAllowed);
            a.Add((allow ? "allow:" : "deny:") + string.Join(',', calls.Order(StringComparer.Ordinal)));
        }
        if (f.ErrorNumber is { } e) a.Add("errno:" + e.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (f.LogListed is { } listed) a.Add((listed ? "log:" : "log-others:") + string.Join(',', f.LogCalls.Order(StringComparer.Ordinal)));
        if (f.NativeOnly) a.Add("native");
        if (f.DeniedNamespaces != 0) a.Add("ns:" + f.DeniedNamespaces.ToString("x"));
        if (f.AddressFamilies is var (only, families))
            a.Add((only ? "af-allow:" : "af-deny:") + string.Join(',', families.Order()));
        if (f.MemoryDenyWriteExecute) a.Add("mdwe");
        if (f.RestrictRealtime) a.Add("realtime");
        if (f.RestrictSuidSgid) a.Add("suid");
        if (f.LockPersonality) a.Add("personality");
        return a;
    }

    private static SandboxFiles Need(SandboxFiles? files) =>
        files ?? throw new StartPreparationException("the run has no sandbox directory for PrivateTmp=, PrivateNetwork= or PrivateIPC=");

    /// <summary>
    /// User= and Group= resolved: the user's entry, and the gid (Group=, else the user's own group).
    /// Also what the service's directories are given to (ServiceDirectories). Throws naming the setting.
    /// </summary>
    public static (UserEntry? User, int? Gid) Credentials(ServiceUnit u, UserDatabase users)
    {
        UserEntry? user = u.User is { } name
            ? users.FindUser(name) ?? throw new StartPreparationException($"User={name}: no such user in /etc/passwd")
            : null;
        int? gid = u.Group is { } g
            ? users.FindGroup(g) ?? throw new StartPreparationException($"Group={g}: no such group in /etc/group")
            : user?.Gid;
        return (user, gid);
    }

    /// <summary>
    /// The descriptors for 0, 1 and 2 (-1: /dev/null) as StandardInput=, StandardOutput= and
    /// StandardError= say. The log keeps its two pipes, so that it still tells the streams apart when
    /// both go to it; "inherit" shares the other stream's descriptor otherwise.
    /// </summary>
    private static (int In, int Out, int Err) Stdio(ServiceUnit u, OutputPipes pipes, StdioFiles? files, int? connection, bool isMain)
    {
        bool wantsSocket = u.StandardInput.Kind == InputKind.Socket || u.StandardOutput.Kind == OutputKind.Socket || u.StandardError.Kind == OutputKind.Socket;
        // A control process after the connection was handed on (ExecStopPost=): /dev/null and the log instead.
        if (wantsSocket && connection is null && !isMain)
            u = u with
            {
                StandardInput = u.StandardInput.Kind == InputKind.Socket ? StandardInput.Null : u.StandardInput,
                StandardOutput = u.StandardOutput.Kind is OutputKind.Socket or OutputKind.Inherit ? StandardOutput.Log : u.StandardOutput,
                StandardError = u.StandardError.Kind == OutputKind.Socket ? StandardOutput.Inherit : u.StandardError,
            };
        else if (wantsSocket && connection is null)
            throw new StartPreparationException("StandardInput=socket (or StandardOutput=/StandardError=socket): there is no connection: the service is started by an Accept=yes socket for each connection, not by hand");
        bool needsFiles = u.StandardInput.Kind != InputKind.Null || u.StandardOutput.Path is not null || u.StandardError.Path is not null;
        if (needsFiles && files is null) throw new StartPreparationException("standard input or output names a file, and nothing was given to open it in");
        int input;
        try
        {
            input = u.StandardInput.Kind switch
            {
                InputKind.File => files!.OpenRead(u.StandardInput.Path!),
                InputKind.Data => files!.Data(u.StandardInputData),
                InputKind.Socket => connection!.Value,
                _ => -1,
            };
        }
        catch (ErrnoException e)
        {
            throw new StartPreparationException($"StandardInput={(u.StandardInput.Path is { } p ? "file:" + p : "data")}: {e.Message}");
        }
        int output = Output("StandardOutput", u.StandardOutput, pipes.StdoutWrite, inherited: input, files, connection);
        int error = Output("StandardError", u.StandardError, pipes.StderrWrite,
            inherited: u.StandardOutput.Kind == OutputKind.Log ? pipes.StderrWrite : output, files, connection);
        return (input, output, error);
    }

    private static int Output(string key, StandardOutput o, int log, int inherited, StdioFiles? files, int? connection)
    {
        try
        {
            return o.Kind switch
            {
                OutputKind.Log => log,
                OutputKind.Null => -1,
                OutputKind.Inherit => inherited,
                OutputKind.Socket => connection!.Value,
                _ => files!.OpenWrite(o.Path!, append: o.Kind == OutputKind.Append, truncate: o.Kind == OutputKind.Truncate),
            };
        }
        catch (ErrnoException e)
        {
            throw new StartPreparationException($"{key}={o.Kind.ToString().ToLowerInvariant()}:{o.Path}: {e.Message}");
        }
    }

    /// <summary>
    /// As systemd: a fixed PATH (ExecSearchPath= when set), USER/LOGNAME/HOME/SHELL for User=,
    /// $RUNTIME_DIRECTORY and its kin, what PassEnvironment= takes from the daemon's own environment,
    /// then Environment=, then EnvironmentFile= (which overrides Environment=), $MAINPID for control
    /// processes, and last UnsetEnvironment= removes what it names (NAME, or NAME=VALUE exactly).
    /// </summary>
    /// <param name="dynamic">the user is a dynamic one: its home is /, and it has no shell (as systemd gives it)</param>
    public static Dictionary<string, string> BuildEnvironment(ServiceUnit u, UserEntry? user, int? mainPid, bool dynamic = false)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = string.Join(':', u.ExecSearchPath.Count > 0 ? u.ExecSearchPath : SearchPath),
            ["LANG"] = "C.UTF-8",
        };
        if (user is not null)
        {
            env["USER"] = user.Name;
            env["LOGNAME"] = user.Name;
            env["HOME"] = user.Home;
            env["SHELL"] = dynamic ? "/usr/sbin/nologin" : "/bin/sh";
        }
        ServiceDirectories.AddToEnvironment(u, env);
        foreach (var name in u.PassEnvironment)
            if (System.Environment.GetEnvironmentVariable(name) is { } passed) env[name] = passed;
        foreach (var kv in u.Environment) env[kv.Key] = kv.Value;
        foreach (var f in u.EnvironmentFiles)
        {
            string text;
            try { text = Linux.BoundedFile.ReadText(f.Path, EnvironmentFileMaxBytes); }
            catch (Exception e) when (Core.FileErrors.Is(e))
            {
                if (f.Optional) continue;
                throw new StartPreparationException($"EnvironmentFile={f.Path}: {e.Message}");
            }
            catch (Linux.UnreadableFileException e)
            {
                // Even with '-': the '-' forgives a file that is missing, not one that is something else.
                throw new StartPreparationException($"EnvironmentFile={f.Path}: {e.Message}");
            }
            foreach (var kv in EnvironmentParser.ParseFile(f.Path, text, [])) env[kv.Key] = kv.Value;
        }
        if (mainPid is { } pid) env["MAINPID"] = pid.ToString();
        foreach (var unset in u.UnsetEnvironment)
        {
            int eq = unset.IndexOf('=');
            if (eq < 0) env.Remove(unset);
            else if (env.TryGetValue(unset[..eq], out var value) && value == unset[(eq + 1)..]) env.Remove(unset[..eq]);
        }
        return env;
    }

    private static string Resolve(string path, IReadOnlyList<string> searchPath, string? root)
    {
        if (path.StartsWith('/')) return path;
        foreach (var dir in searchPath)
        {
            string candidate = Path.Combine(dir, path);
            if (File.Exists(root is null ? candidate : root + candidate)) return candidate;
        }
        throw new StartPreparationException($"executable '{path}' not found in {string.Join(':', searchPath)}{(root is null ? "" : $" under RootDirectory={root}")}");
    }
}
