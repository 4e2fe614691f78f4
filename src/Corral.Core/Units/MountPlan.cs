namespace Corral.Core.Units;

/// <summary>
/// One step of a service's file-system view, as the executor applies it (native/mounts.c):
/// Kind bind|self|tmpfs|dev|proc|inaccessible put something on Destination; ro|noexec set a flag
/// on every mount at or under it, except under a deeper rw|exec step. Source: a bind's source, a
/// tmpfs's or proc's options.
/// </summary>
public sealed record MountStep(string Kind, string Destination, string Directive, bool Optional = false, string Source = "",
    bool ReadOnly = false, bool Recursive = true)
{
    /// <summary>More flags of the step's kind: A (root: MountAPIVFS=), D (root: a private /dev follows).</summary>
    public string Flags { get; init; } = "";

    /// <summary>The executor's argument: "KIND\tFLAGS\tDIRECTIVE\tDESTINATION\tSOURCE" (no path holds a control character: the loader refused them).</summary>
    public string ToArgument() =>
        $"{Kind}\t{(Optional ? "o" : "")}{(ReadOnly ? "R" : "")}{(Recursive ? "" : "n")}{Flags}\t{Directive}\t{Destination}\t{Source}";

    /// <summary>Mounting steps come first, then the flags; each a parent before what lies under it.</summary>
    internal bool Mounts => Kind is not ("ro" or "rw" or "noexec" or "exec");
}

/// <summary>
/// The unit's sandboxing directives turned into the executor's steps, as systemd's namespace.c lays
/// them out (systemd.exec(5)). Where two steps name one path, the stronger wins: InaccessiblePaths=
/// over ReadOnlyPaths= over ReadWritePaths= (and the other writable places: PrivateTmp=, BindPaths=,
/// TemporaryFileSystem=, the unit's own directories) over ProtectSystem=/ProtectHome=/Protect*'s
/// read-only paths over ProtectSystem=strict's implicitly writable /dev, /proc, /sys.
/// </summary>
public static class MountPlan
{
    /// <param name="writable">paths the unit's RuntimeDirectory= and its kin made: they stay writable, as in systemd</param>
    /// <param name="privateTmp">the run's own /tmp and /var/tmp on the host, when PrivateTmp=</param>
    /// <param name="notifySocket">the daemon's NOTIFY_SOCKET: where a step would hide it (PrivateTmp= over a test's /tmp), it is bound back in</param>
    public static IReadOnlyList<MountStep> For(Sandbox s, IEnumerable<string> writable, (string Tmp, string VarTmp)? privateTmp, string? notifySocket = null)
    {
        if (!s.HasMountNamespace) return [];
        var steps = new List<(MountStep Step, int Strength)>();
        void Flag(string kind, string path, string directive, int strength, bool optional = false)
        {
            steps.Add((new MountStep(kind, path, directive, optional), strength));
            // The path becomes a mount of its own, so that its flags are its own and not its parent's.
            if (path != "/") steps.Add((new MountStep("self", path, directive, optional), strength));
        }
        const int Implicit = 0, Protect = 1, Writable = 2, ReadOnly = 3, Hidden = 4;

        switch (s.ProtectSystem)
        {
            case ProtectSystem.Strict:
                Flag("ro", "/", "ProtectSystem", Protect);
                foreach (var api in new[] { "/dev", "/proc", "/sys" }) Flag("rw", api, "ProtectSystem", Implicit);
                // ProtectHome= decides about these, not strict.
                foreach (var home in new[] { "/home", "/root", "/run/user" }) Flag("rw", home, "ProtectSystem", Implicit, optional: true);
                break;
            case ProtectSystem.Yes or ProtectSystem.Full:
                Flag("ro", "/usr", "ProtectSystem", Protect);
                Flag("ro", "/boot", "ProtectSystem", Protect, optional: true);
                Flag("ro", "/efi", "ProtectSystem", Protect, optional: true);
                if (s.ProtectSystem == ProtectSystem.Full) Flag("ro", "/etc", "ProtectSystem", Protect);
                break;
        }
        foreach (var home in new[] { "/home", "/root", "/run/user" })
        {
            switch (s.ProtectHome)
            {
                case ProtectHome.Yes: steps.Add((new MountStep("inaccessible", home, "ProtectHome", Optional: true), Protect)); break;
                case ProtectHome.ReadOnly: Flag("ro", home, "ProtectHome", Protect, optional: true); break;
                case ProtectHome.Tmpfs:
                    steps.Add((new MountStep("tmpfs", home, "ProtectHome", Optional: true, Source: "ro,mode=0755"), Protect));
                    break;
            }
        }
        if (s.PrivateTmp && privateTmp is var (tmp, varTmp))
        {
            steps.Add((new MountStep("bind", "/tmp", "PrivateTmp", Source: tmp), Writable));
            steps.Add((new MountStep("bind", "/var/tmp", "PrivateTmp", Source: varTmp), Writable));
            steps.Add((new MountStep("rw", "/tmp", "PrivateTmp"), Writable));
            steps.Add((new MountStep("rw", "/var/tmp", "PrivateTmp"), Writable));
        }
        if (s.PrivateDevices)
        {
            steps.Add((new MountStep("dev", "/dev", "PrivateDevices"), Writable));
            steps.Add((new MountStep("rw", "/dev", "PrivateDevices"), Writable));
        }
        if (s.ProtectKernelTunables)
        {
            Flag("ro", "/proc/sys", "ProtectKernelTunables", Protect);
            Flag("ro", "/sys", "ProtectKernelTunables", Protect);
            foreach (var p in new[] { "/proc/sysrq-trigger", "/proc/latency_stats", "/proc/acpi", "/proc/timer_stats", "/proc/asound", "/proc/bus",
                         "/proc/fs", "/proc/irq", "/proc/scsi", "/proc/mtrr", "/proc/apm" })
                Flag("ro", p, "ProtectKernelTunables", Protect, optional: true);
            foreach (var p in new[] { "/proc/kallsyms", "/proc/kcore" })
                steps.Add((new MountStep("inaccessible", p, "ProtectKernelTunables", Optional: true), Protect));
            // ProtectControlGroups= decides about the cgroup tree, not this.
            if (!s.ProtectControlGroups) Flag("rw", "/sys/fs/cgroup", "ProtectKernelTunables", Implicit, optional: true);
        }
        if (s.ProtectKernelModules)
            foreach (var p in new[] { "/lib/modules", "/usr/lib/modules" })
                steps.Add((new MountStep("inaccessible", p, "ProtectKernelModules", Optional: true), Protect));
        if (s.ProtectKernelLogs)
            foreach (var p in new[] { "/proc/kmsg", "/dev/kmsg" })
                steps.Add((new MountStep("inaccessible", p, "ProtectKernelLogs", Optional: true), Protect));
        if (s.ProtectControlGroups) Flag("ro", "/sys/fs/cgroup", "ProtectControlGroups", Protect);
        if (s.ProtectProc != "default" || s.ProcSubset != "all")
        {
            var options = new List<string>();
            if (s.ProtectProc != "default") options.Add("hidepid=" + s.ProtectProc);
            if (s.ProcSubset == "pid") options.Add("subset=pid");
            steps.Add((new MountStep("proc", "/proc", s.ProtectProc != "default" ? "ProtectProc" : "ProcSubset", Source: string.Join(',', options)), Writable));
        }
        foreach (var t in s.TemporaryFileSystems)
        {
            steps.Add((new MountStep("tmpfs", t.Path, "TemporaryFileSystem", Source: t.Options), Writable));
            if (!t.Options.Split(',').Contains("ro")) steps.Add((new MountStep("rw", t.Path, "TemporaryFileSystem"), Writable));
        }
        foreach (var b in s.BindPaths)
        {
            string directive = b.ReadOnly ? "BindReadOnlyPaths" : "BindPaths";
            steps.Add((new MountStep("bind", b.Destination, directive, b.Optional, b.Source, b.ReadOnly, b.Recursive), Writable));
            if (!b.ReadOnly) steps.Add((new MountStep("rw", b.Destination, directive, b.Optional), Writable));
        }
        foreach (var dir in writable) Flag("rw", dir, "ReadWritePaths", Writable, optional: true);
        foreach (var p in s.ReadWritePaths) Flag("rw", p.Path, "ReadWritePaths", Writable, p.Optional);
        foreach (var p in s.ReadOnlyPaths) Flag("ro", p.Path, "ReadOnlyPaths", ReadOnly, p.Optional);
        foreach (var p in s.InaccessiblePaths) steps.Add((new MountStep("inaccessible", p.Path, "InaccessiblePaths", p.Optional), Hidden));
        foreach (var p in s.ExecPaths) Flag("exec", p.Path, "ExecPaths", Writable, p.Optional);
        foreach (var p in s.NoExecPaths) Flag("noexec", p.Path, "NoExecPaths", ReadOnly, p.Optional);

        // RootDirectory=: the unit's own directories, made on the host, are bound in at their paths.
        if (s.RootDirectory is not null)
            foreach (var dir in writable) steps.Add((new MountStep("bind", dir, "RootDirectory", Source: dir), Writable));

        var kept = Strongest(steps);
        if (notifySocket is not null && (s.RootDirectory is not null || kept.Any(m => m.Mounts && m.Kind != "self" && Under(notifySocket, m.Destination))))
            kept.Add(new MountStep("bind", notifySocket, "NOTIFY_SOCKET", Source: notifySocket, Recursive: false));
        // PrivateMounts= alone: a namespace of its own and nothing changed in it (an rw step at / does nothing).
        if (kept.Count == 0 && s.RootDirectory is null) kept.Add(new MountStep("rw", "/", "PrivateMounts"));
        // The new root first: every other step names a path of it (a bind's source is the host's, taken before).
        MountStep[] root = s.RootDirectory is { } r
            ? [new MountStep("root", r, "RootDirectory") { Flags = (s.MountApiVfs ? "A" : "") + (s.PrivateDevices ? "D" : "") }]
            : [];
        return [.. root,
                .. kept.Where(m => m.Mounts).OrderBy(m => Depth(m.Destination)),
                .. kept.Where(m => !m.Mounts).OrderBy(m => Depth(m.Destination))];
    }

    /// <summary>Per path, the strongest read-only/writable flag and the strongest mount; a self-bind only where nothing else is mounted.</summary>
    private static List<MountStep> Strongest(List<(MountStep Step, int Strength)> steps)
    {
        var kept = new List<MountStep>();
        foreach (var group in steps.GroupBy(s => s.Step.Destination))
        {
            var flags = group.Where(s => s.Step.Kind is "ro" or "rw").ToList();
            var hidden = group.Any(s => s.Step.Kind == "inaccessible");
            if (flags.Count > 0 && !hidden) kept.Add(flags.MaxBy(s => s.Strength).Step);
            var exec = group.Where(s => s.Step.Kind is "exec" or "noexec").ToList();
            if (exec.Count > 0) kept.Add(exec.MaxBy(s => s.Strength).Step);
            var mounts = group.Where(s => s.Step.Mounts && s.Step.Kind != "self").ToList();
            if (mounts.Count > 0)
                kept.Add(mounts.MaxBy(s => (s.Step.Kind == "inaccessible" ? 1 : 0, s.Strength)).Step);
            else if (group.FirstOrDefault(s => s.Step.Kind == "self") is { Step: not null } self)
            {
                kept.Add(self.Step with { Optional = group.All(s => s.Step.Optional) });
            }
        }
        return kept;
    }

    /// <summary>Whether the path is the directory or lies below it (a path compared as written, component by component).</summary>
    public static bool Under(string path, string dir) =>
        dir == "/" || path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);

    private static int Depth(string path) => path == "/" ? 0 : path.Count(c => c == '/');
}
