using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #19 items 1 and 2: the service's file-system view and namespaces, each seen from inside the
/// service: what it may write, what it cannot see, what it shares with the run's other processes,
/// and what is left on the host once it has stopped (nothing).
/// </summary>
public sealed class SandboxScenarios : Scenario
{
    /// <summary>The unit's output lines (stdout and stderr), message only, after starting it.</summary>
    private List<string> Run(string unit)
    {
        var r = F.Cli("start", unit);
        Assert.True(r.ExitCode == 0, $"{r}\n{File.ReadAllText(F.DaemonLog)}");
        return Lines(unit);
    }

    // "2026-12-02 20:01:47.849 UTC stdout MESSAGE"
    private List<string> Lines(string unit) =>
        F.Cli("logs", unit).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 5)[4]).ToList();

    private static string Oneshot(string script, string more = "") =>
        $"[Service]\nType=oneshot\n{more}ExecStart=/bin/sh -c '{script}'\n";

    /// <summary>"writable" or "read-only", as the kernel answers access(W_OK) for the path (EROFS on a read-only mount).</summary>
    private static string Probe(string path) => $"test -w {path} && echo {path} writable || echo {path} read-only; ";

    /// <summary>Mounts under the test's directory but the daemon's own trace file system: what a service's sandbox could have left.</summary>
    private List<string> OwnMounts() => Mounts.Under(F.Dir).Where(m => !m.EndsWith("/tracefs", StringComparison.Ordinal)).ToList();

    private string SandboxDir(string unit) => Path.Combine(F.Dir, "state", "sandbox", unit + ".service");

    [Fact]
    public void ProtectSystem_makes_the_system_read_only_as_each_level_says_and_leaves_what_the_unit_writes_writable()
    {
        string rw = Path.Combine(F.Dir, "data");
        Directory.CreateDirectory(rw);
        string probes = Probe("/usr") + Probe("/etc") + Probe("/var/lib") + Probe(rw) + Probe("/run/corral-sandbox-test") + Probe("/dev/null") + Probe("/proc/self/oom_score_adj");
        F.WriteUnit("yes", Oneshot(probes, "ProtectSystem=yes\n"));
        F.WriteUnit("full", Oneshot(probes, "ProtectSystem=full\n"));
        F.WriteUnit("strict", Oneshot(probes + "touch /usr/corral-probe 2>&1 | sed \"s/.*: //\"", $"ProtectSystem=strict\nReadWritePaths={rw}\nRuntimeDirectory=corral-sandbox-test\n"));
        F.WriteUnit("open", Oneshot(probes));
        F.Start();
        Assert.Equal(["/usr read-only", "/etc writable", "/var/lib writable"], Run("yes").Take(3));
        Assert.Equal(["/usr read-only", "/etc read-only", "/var/lib writable"], Run("full").Take(3));
        var strict = Run("strict");
        Assert.Equal(["/usr read-only", "/etc read-only", "/var/lib read-only", $"{rw} writable", "/run/corral-sandbox-test writable",
            "/dev/null writable", "/proc/self/oom_score_adj writable", "Read-only file system"], strict);
        Assert.Equal(["/usr writable", "/etc writable", "/var/lib writable"], Run("open").Take(3));
        Assert.False(File.Exists("/usr/corral-probe"));
        F.Cli("stop", "strict");
        Assert.Empty(OwnMounts());
    }

    [Fact]
    public void PrivateTmp_is_the_runs_own_shared_by_its_processes_and_gone_after_stop()
    {
        string hostFile = Path.Combine("/tmp", $"corral-host-{Guid.NewGuid():N}");
        File.WriteAllText(hostFile, "host");
        try
        {
            F.WriteUnit("private", "[Service]\nType=oneshot\nRemainAfterExit=yes\nPrivateTmp=yes\n"
                + "ExecStartPre=/bin/sh -c 'echo from-pre > /tmp/marker; echo from-pre > /var/tmp/marker'\n"
                + $"ExecStart=/bin/sh -c 'cat /tmp/marker /var/tmp/marker; test -e {hostFile} && echo host-visible || echo host-hidden; stat -c %%a /tmp'\n"
                + "ExecStop=/bin/sh -c 'cat /tmp/marker'\n"
                + $"ExecStopPost=+/bin/sh -c 'test -e {hostFile} && echo plus-sees-host'\n");
            F.Start();
            Assert.Equal(["from-pre", "from-pre", "host-hidden", "1777"], Run("private"));
            // On the host, in the daemon's state, while the service is active.
            Assert.Equal("from-pre\n", File.ReadAllText(Path.Combine(SandboxDir("private"), "tmp", "marker")));
            Assert.False(File.Exists("/tmp/marker") && File.ReadAllText("/tmp/marker") == "from-pre\n");
            Assert.Equal(0, F.Cli("stop", "private").ExitCode);
            Assert.Equal(["from-pre", "from-pre", "host-hidden", "1777", "from-pre", "plus-sees-host"], Lines("private"));
            Assert.False(Directory.Exists(SandboxDir("private")));
            // A new run starts with an empty /tmp.
            F.WriteUnit("private", Oneshot("ls -A /tmp | wc -l", "PrivateTmp=yes\n"));
            F.Cli("daemon-reload");
            Assert.Equal("0", Run("private").Last());
        }
        finally
        {
            File.Delete(hostFile);
        }
    }

    [Fact]
    public void ProtectHome_hides_empties_or_freezes_the_homes()
    {
        string script = "ls -A /root | wc -l; " + Probe("/root");
        F.WriteUnit("hidden", Oneshot(script, "ProtectHome=yes\n"));
        F.WriteUnit("readonly", Oneshot(script, "ProtectHome=read-only\n"));
        F.WriteUnit("empty", Oneshot(script, "ProtectHome=tmpfs\n"));
        int own = Directory.GetFileSystemEntries("/root").Length;
        Assert.True(own > 0, "this machine's /root has entries");
        F.Start();
        Assert.Equal(["0", "/root read-only"], Run("hidden"));
        Assert.Equal([own.ToString(), "/root read-only"], Run("readonly"));
        Assert.Equal(["0", "/root read-only"], Run("empty"));
    }

    [Fact]
    public void Paths_directives_hide_freeze_bind_and_forbid_execution_where_they_say()
    {
        string tree = Path.Combine(F.Dir, "tree");
        foreach (var d in new[] { "secret", "frozen", "frozen/thawed", "source", "noexec", "noexec/allowed", "scratch" })
            Directory.CreateDirectory(Path.Combine(tree, d));
        File.WriteAllText(Path.Combine(tree, "secret", "key"), "k");
        File.WriteAllText(Path.Combine(tree, "source", "file"), "bound\n");
        foreach (var d in new[] { "noexec", "noexec/allowed" })
        {
            File.WriteAllText(Path.Combine(tree, d, "run.sh"), "#!/bin/sh\necho ran\n");
            File.SetUnixFileMode(Path.Combine(tree, d, "run.sh"), (UnixFileMode)0x1ed);
        }
        F.WriteUnit("paths", Oneshot(
            $"ls -A {tree}/secret | wc -l; {Probe(tree + "/frozen")}{Probe(tree + "/frozen/thawed")}cat {tree}/bound/file; {Probe(tree + "/bound")}"
            + $"cat {tree}/scratch/file; {Probe(tree + "/scratch")}{tree}/noexec/run.sh 2>&1 | sed \"s/.*: //\"; {tree}/noexec/allowed/run.sh; ls -A {tree}/tmpfs | wc -l; {Probe(tree + "/tmpfs")}",
            $"InaccessiblePaths={tree}/secret\nReadOnlyPaths={tree}/frozen\nReadWritePaths={tree}/frozen/thawed\n"
            + $"BindReadOnlyPaths={tree}/source:{tree}/bound\nBindPaths={tree}/source:{tree}/scratch\n"
            + $"NoExecPaths={tree}/noexec\nExecPaths={tree}/noexec/allowed\nTemporaryFileSystem={tree}/tmpfs:mode=0700\n"
            + "InaccessiblePaths=-/no/such/path\n"));
        F.Start();
        Assert.Equal(["0", $"{tree}/frozen read-only", $"{tree}/frozen/thawed writable", "bound", $"{tree}/bound read-only",
            "bound", $"{tree}/scratch writable", "Permission denied", "ran", "0", $"{tree}/tmpfs writable"], Run("paths"));
        // Mount points made for the service are the only trace on the host: empty, and nothing mounted.
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(tree, "scratch")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(tree, "bound")));
        Assert.Empty(OwnMounts());
    }

    [Fact]
    public void PrivateDevices_and_the_kernel_protections_leave_the_service_only_what_it_needs()
    {
        F.WriteUnit("devices", Oneshot("ls /dev | tr \"\\n\" \" \"; echo; echo x > /dev/null && echo null-ok; grep CapBnd /proc/self/status", "PrivateDevices=yes\n"));
        F.WriteUnit("kernel", Oneshot(
            Probe("/proc/sys/kernel/hostname") + Probe("/sys/fs/cgroup") + "head -c1 /dev/kmsg 2>&1 | sed \"s/.*: //\"; ls -A /lib/modules 2>/dev/null | wc -l; grep CapBnd /proc/self/status",
            "ProtectKernelTunables=yes\nProtectControlGroups=yes\nProtectKernelLogs=yes\nProtectKernelModules=yes\n"));
        F.Start();
        var devices = Run("devices");
        Assert.Equal("fd full null ptmx pts random shm stderr stdin stdout tty urandom zero ", devices[0].Replace("hugepages ", "").Replace("mqueue ", ""));
        Assert.Equal("null-ok", devices[1]);
        ulong bounding = Convert.ToUInt64(devices[2].Split('\t')[1], 16);
        Assert.Equal(0UL, bounding & ((1UL << 27) | (1UL << 17))); // CAP_MKNOD, CAP_SYS_RAWIO
        var kernel = Run("kernel");
        Assert.Equal(["/proc/sys/kernel/hostname read-only", "/sys/fs/cgroup read-only", "Permission denied", "0"], kernel.Take(4));
        Assert.Equal(0UL, Convert.ToUInt64(kernel[4].Split('\t')[1], 16) & ((1UL << 16) | (1UL << 34))); // CAP_SYS_MODULE, CAP_SYSLOG
    }

    [Fact]
    public void ProtectProc_and_ProcSubset_mount_a_proc_of_their_own()
    {
        F.WriteUnit("invisible", Oneshot("test -e /proc/1 && echo pid1-visible || echo pid1-hidden; test -e /proc/meminfo && echo meminfo", "User=nobody\nProtectProc=invisible\n"));
        F.WriteUnit("subset", Oneshot("test -e /proc/meminfo && echo meminfo || echo no-meminfo; test -e /proc/self/status && echo self", "ProcSubset=pid\n"));
        F.Start();
        Assert.Equal(["pid1-hidden", "meminfo"], Run("invisible"));
        Assert.Equal(["no-meminfo", "self"], Run("subset"));
    }

    [Fact]
    public void PrivateNetwork_PrivateIPC_and_ProtectHostname_are_one_namespace_per_run_shared_by_its_processes()
    {
        string script = "readlink /proc/self/ns/net /proc/self/ns/ipc; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d \" \"";
        F.WriteUnit("isolated", "[Service]\nType=oneshot\nRemainAfterExit=yes\nPrivateNetwork=yes\nPrivateIPC=yes\nProtectHostname=yes\n"
            + $"ExecStartPre=/bin/sh -c '{script}'\nExecStart=/bin/sh -c '{script}; hostname corral-sandbox-test && hostname'\n");
        string hostname = File.ReadAllText("/proc/sys/kernel/hostname").Trim();
        F.Start();
        var lines = Run("isolated");
        string hostNet = new FileInfo("/proc/self/ns/net").LinkTarget!, hostIpc = new FileInfo("/proc/self/ns/ipc").LinkTarget!;
        Assert.Equal(lines[0], lines[3]); // the same network namespace for ExecStartPre= and ExecStart=
        Assert.Equal(lines[1], lines[4]);
        Assert.NotEqual(hostNet, lines[0]);
        Assert.NotEqual(hostIpc, lines[1]);
        Assert.Equal(["lo"], new[] { lines[2], lines[5] }.Distinct());
        Assert.Equal("corral-sandbox-test", lines[6]);
        Assert.Equal(hostname, File.ReadAllText("/proc/sys/kernel/hostname").Trim());
        // The pins hold the namespaces while the run lasts, and go with it.
        Assert.Equal(2, Mounts.Under(SandboxDir("isolated")).Count);
        Assert.Equal(0, F.Cli("stop", "isolated").ExitCode);
        Assert.Empty(OwnMounts());
        Assert.False(Directory.Exists(SandboxDir("isolated")));
    }

    [Fact]
    public void PrivateUsers_leaves_only_root_and_the_services_own_ids_themselves_and_root_no_power_over_the_host()
    {
        // A file of an owner the service does not know: inside, every other id is nobody.
        string owned = Path.Combine(F.Dir, "owned");
        File.WriteAllText(owned, "");
        FileOwnerOf(owned, 4242);
        string map = "tr -s \" \" < /proc/self/uid_map; tr -s \" \" < /proc/self/gid_map; ";
        F.WriteUnit("mapped", Oneshot($"{map}stat -c \"%%u %%g\" {owned} /etc/passwd; id -u; id -g", "User=nobody\nPrivateUsers=yes\n"));
        File.SetUnixFileMode(owned, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        F.WriteUnit("rootish", Oneshot($"tr -s \" \" < /proc/self/uid_map; readlink /proc/self/ns/user; (echo x >> {owned}) 2>/dev/null && echo written || echo refused", "PrivateUsers=yes\n"));
        F.Start();
        Assert.Equal([" 0 0 1", " 65534 65534 1", " 0 0 1", " 65534 65534 1", "65534 65534", "0 0", "65534", "65534"], Run("mapped"));
        var root = Run("rootish");
        Assert.Equal(" 0 0 1", root[0]);
        Assert.NotEqual(Programs.Output("/usr/bin/readlink", "/proc/self/ns/user").Trim(), root[1]);
        // Root inside holds every capability, over what its namespace maps only: a file of another owner is not its to write.
        Assert.Equal("refused", root[2]);
        Assert.Equal("", File.ReadAllText(owned));
    }

    private static void FileOwnerOf(string path, int uid) => Corral.Linux.FileOwner.Set(path, uid, uid);

    [Fact]
    public void IPCNamespacePath_joins_the_namespace_named_and_a_file_of_no_namespace_fails_by_name()
    {
        string pin = Path.Combine(F.Dir, "ipcns");
        File.WriteAllText(pin, "");
        using (var p = System.Diagnostics.Process.Start("/usr/bin/unshare", [$"--ipc={pin}", "/bin/true"])) p.WaitForExit();
        try
        {
            string ns = Programs.Output("/usr/bin/nsenter", $"--ipc={pin}", "/usr/bin/readlink", "/proc/self/ns/ipc").Trim();
            F.WriteUnit("joined", Oneshot("readlink /proc/self/ns/ipc", $"IPCNamespacePath={pin}\n"));
            F.WriteUnit("wrong", Oneshot("true", $"IPCNamespacePath={F.UnitDir}/joined.service\n"));
            F.Start();
            Assert.Equal([ns], Run("joined"));
            var wrong = F.Cli("start", "wrong");
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("IPCNamespacePath: ", F.Cli("status", "wrong").Stdout + wrong.Stderr);
        }
        finally
        {
            Mounts.DetachAllUnder(pin);
        }
    }

    [Fact]
    public void MountFlags_sets_how_the_services_view_shares_mounts_with_the_host()
    {
        // The optional fields of the view's root in mountinfo: "master:N" (slave), "shared:N", or none (private).
        string script = Path.Combine(F.Dir, "root-propagation.sh");
        File.WriteAllText(script, "awk '$5 == \"/\" { r = $0 } END { n = split(r, f, \" \"); t = \"\"; " +
            "for (i = 7; i <= n && f[i] != \"-\"; i++) t = t \" \" substr(f[i], 1, index(f[i], \":\")); print \"root\" t }' /proc/self/mountinfo\n");
        string root = $"[Service]\nType=oneshot\nExecStart=/bin/sh {script}\n";
        F.WriteUnit("slave", root + "PrivateTmp=yes\nBindReadOnlyPaths=" + script + "\n");
        F.WriteUnit("shared", root + "ProtectHome=yes\nMountFlags=shared\n");
        F.WriteUnit("private", root + "MountFlags=private\n");
        F.WriteUnit("bad", Oneshot("true", "MountFlags=sideways\n"));
        F.Start();
        Assert.Equal(["root shared:"], Run("shared"));
        Assert.Equal(["root"], Run("private"));
        Assert.Contains("bad.service:3: MountFlags=sideways is not one of shared, slave, private", F.Cli("start", "bad").Stderr);
        // Slave by default: "master:" where the host's / is shared (a systemd host); on a host whose / is private
        // (this one) a slave of it has no master. Never shared: nothing the service mounts reaches the host.
        Assert.DoesNotContain("shared:", Run("slave").Single());
    }

    [Fact]
    public void RootDirectory_is_the_services_own_root_with_the_API_file_systems_when_asked_and_its_own_directories_bound_in()
    {
        // A root of the test's own: /usr bound in read-only from the host, Debian's merged /bin, /lib, /lib64 links.
        string root = Path.Combine(F.Dir, "root");
        Directory.CreateDirectory(Path.Combine(root, "usr"));
        foreach (var link in new[] { "bin", "lib", "lib64", "sbin" })
            if (new FileInfo("/" + link).LinkTarget is { } target) File.CreateSymbolicLink(Path.Combine(root, link), target);
        string run = $"corral-root-{Guid.NewGuid():N}"[..20];
        try
        {
            string script = $"ls /; test -e /etc/passwd && echo host etc || echo no etc; test -e /proc/self/status && echo proc || echo no proc; " +
                $"echo x > /run/{run}/f && echo runtime writable; echo x > /tmp/f && echo tmp writable";
            F.WriteUnit("bare", Oneshot(script, $"RootDirectory={root}\nBindReadOnlyPaths=/usr\nRuntimeDirectory={run}\nPrivateTmp=yes\n"));
            F.WriteUnit("api", Oneshot("ls /; ls /dev/null; test -e /proc/self/status && echo proc", $"RootDirectory={root}\nBindReadOnlyPaths=/usr\nMountAPIVFS=yes\n"));
            F.WriteUnit("missing", Oneshot("true", $"RootDirectory={root}/nothing\nBindReadOnlyPaths=/usr\n"));
            F.WriteUnit("relative", Oneshot("true", "RootDirectory=srv/root\n"));
            F.Start();
            var bare = Run("bare");
            Assert.Equal(["bin", "lib", "lib64", "run", "sbin", "tmp", "usr", "var", "no etc", "no proc", "runtime writable", "tmp writable"],
                bare.Where(l => l != "").ToList());
            // The same root: the mount points the first run made (tmp, var, as systemd makes them) stay in it.
            var api = Run("api");
            Assert.Equal(["bin", "dev", "lib", "lib64", "proc", "run", "sbin", "sys", "tmp", "usr", "var", "/dev/null", "proc"], api);
            var missing = F.Cli("start", "missing");
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains($"RootDirectory: {root}/nothing", F.Cli("status", "missing").Stdout + missing.Stderr);
            Assert.Contains("relative.service:3: RootDirectory=srv/root", F.Cli("start", "relative").Stderr);
            // Nothing of the views is left on the host's side.
            Assert.Empty(OwnMounts());
        }
        finally
        {
            if (Directory.Exists($"/run/{run}")) Directory.Delete($"/run/{run}", recursive: true);
        }
    }

    [Fact]
    public void NetworkNamespacePath_joins_the_namespace_named()
    {
        string pin = Path.Combine(F.Dir, "netns");
        File.WriteAllText(pin, "");
        using (var p = System.Diagnostics.Process.Start("/usr/bin/unshare", [$"--net={pin}", "/bin/true"])) p.WaitForExit();
        try
        {
            string ns = Programs.Output("/usr/bin/nsenter", $"--net={pin}", "/usr/bin/readlink", "/proc/self/ns/net").Trim();
            F.WriteUnit("joined", Oneshot("readlink /proc/self/ns/net", $"NetworkNamespacePath={pin}\n"));
            F.WriteUnit("wrong", Oneshot("true", $"NetworkNamespacePath={F.UnitDir}/joined.service\n"));
            F.Start();
            Assert.Equal([ns], Run("joined"));
            var wrong = F.Cli("start", "wrong");
            Assert.NotEqual(0, wrong.ExitCode);
            Assert.Contains("NetworkNamespacePath", F.Cli("status", "wrong").Stdout + wrong.Stderr);
        }
        finally
        {
            Mounts.DetachAllUnder(pin);
        }
    }

    [Fact]
    public void Hostile_paths_fail_by_name_and_leave_nothing_behind()
    {
        // A link the service's user owns, on the way to a path the unit makes writable: refused, or
        // the service could point it at /etc before its next start.
        string owned = Path.Combine(F.Dir, "owned");
        Directory.CreateDirectory(owned);
        string link = Path.Combine(owned, "data");
        File.CreateSymbolicLink(link, "/etc");
        Programs.Output("/bin/chown", "-h", "nobody", link);
        F.WriteUnit("redirected", Oneshot("touch /etc/corral-escaped", $"ProtectSystem=strict\nReadWritePaths={link}\n"));
        F.WriteUnit("nosource", Oneshot("true", $"BindPaths={F.Dir}/missing:/mnt\n"));
        F.WriteUnit("optional", Oneshot("echo ran", $"BindPaths=-{F.Dir}/missing:/mnt\nReadOnlyPaths=-{F.Dir}/missing\n"));
        F.WriteUnit("dotdot", Oneshot("true", $"ReadWritePaths={F.Dir}/../etc\n"));
        F.WriteUnit("relative", Oneshot("true", "InaccessiblePaths=etc\n"));
        F.WriteUnit("badvalue", Oneshot("true", "ProtectSystem=very\n"));
        F.Start();

        var r = F.Cli("start", "redirected");
        Assert.NotEqual(0, r.ExitCode);
        string why = F.Cli("status", "redirected").Stdout + r.Stderr;
        Assert.Contains($"ReadWritePaths: {link}: a symbolic link on the way is owned by uid 65534, not root", why);
        Assert.False(File.Exists("/etc/corral-escaped"));

        var nosource = F.Cli("start", "nosource");
        Assert.NotEqual(0, nosource.ExitCode);
        Assert.Contains($"BindPaths: {F.Dir}/missing: No such file or directory", F.Cli("status", "nosource").Stdout + nosource.Stderr);
        Assert.Equal(["ran"], Run("optional"));

        Assert.Contains("dotdot.service:3: ReadWritePaths=", F.Cli("start", "dotdot").Stderr);
        Assert.Contains("has a '..' component", F.Cli("start", "dotdot").Stderr);
        Assert.Contains("relative.service:3: InaccessiblePaths=etc: 'etc' must be an absolute path", F.Cli("start", "relative").Stderr);
        Assert.Contains("badvalue.service:3: ProtectSystem=very is not one of yes, no, full, strict", F.Cli("start", "badvalue").Stderr);
        Assert.Empty(OwnMounts());
        Assert.Empty(Directory.Exists(Path.Combine(F.Dir, "state", "sandbox")) ? Directory.GetDirectories(Path.Combine(F.Dir, "state", "sandbox")) : []);
    }

    [Fact]
    public void On_a_full_state_disk_the_private_tmp_says_so_to_the_service_and_is_still_removed()
    {
        string state = Path.Combine(F.Dir, "state");
        Mounts.Tmpfs(state, "8m");
        F.WriteUnit("full", "[Service]\nType=oneshot\nRemainAfterExit=yes\nPrivateTmp=yes\n"
            + "ExecStart=/bin/sh -c 'head -c 1048576 /dev/zero 2>&1 >/tmp/big | sed \"s/.*: //\"; echo done'\n");
        F.Start();
        string filler = Mounts.Fill(state);
        var lines = Run("full");
        Assert.Equal(["No space left on device", "done"], lines);
        Assert.Equal(0, F.Cli("stop", "full").ExitCode);
        Assert.False(Directory.Exists(SandboxDir("full")));
        File.Delete(filler);
    }
}
