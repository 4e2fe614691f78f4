using System.Diagnostics;
using Corral.Cli;
using Corral.Linux.Cgroups;

namespace Corral.Bench;

/// <summary>A daemon of the benchmark's own (temp dir, socket, cgroup root), removed with everything it ran.</summary>
internal sealed class BenchDaemon : IDisposable
{
    private readonly Process _process;
    private static int s_count;

    /// <param name="prepare">called with the daemon's directory before it starts (to mount a small tmpfs as its state or log directory)</param>
    public BenchDaemon(string repo, Action<string> writeUnits, string[]? extraArgs = null, Action<string>? prepare = null)
    {
        Repo = repo;
        Dir = Directory.CreateTempSubdirectory("corral-bench-").FullName;
        prepare?.Invoke(Dir);
        string units = Directory.CreateDirectory(Path.Combine(Dir, "units")).FullName;
        writeUnits(units);
        Layout = CgroupLayout.Detect();
        // Unique per daemon: a benchmark may run several side by side.
        Cgroups = CgroupManagerFactory.Create(Path.Combine(Layout.UnifiedMount, $"corral-bench-{Environment.ProcessId}-{Interlocked.Increment(ref s_count)}"), Layout);
        Socket = Path.Combine(Dir, "corral.sock");
        var psi = new ProcessStartInfo(Path.Combine(repo, "bin", "corral")) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in new[] { "daemon", "--units", units, "--socket", Socket, "--state-dir", Path.Combine(Dir, "state"), "--log-dir", Path.Combine(Dir, "logs"), "--cgroup-root", Cgroups.Root })
            psi.ArgumentList.Add(a);
        foreach (var a in extraArgs ?? []) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = Dir; // the runtime's diagnostic pipes go with the benchmark's directory
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var end = DateTime.UtcNow.AddSeconds(20);
        while (!File.Exists(Socket) && DateTime.UtcNow < end) Thread.Sleep(10);
        Api = new ApiClient(Socket);
    }

    public string Repo { get; }
    public string Dir { get; }
    public string Socket { get; }
    public CgroupLayout Layout { get; }
    public ICgroupManager Cgroups { get; }
    public ApiClient Api { get; }
    public int Pid => _process.Id;

    /// <summary>The daemon's CPU time so far (utime + stime, in clock ticks of 10 ms).</summary>
    public long CpuTicks()
    {
        string stat = File.ReadAllText($"/proc/{Pid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11]) + long.Parse(f[12]);
    }

    /// <summary>
    /// The stop floor: the unit's cgroup killed by the bare kernel mechanism (cgroup.kill), timed
    /// until cgroup.events says populated 0; then the unit is stopped for the daemon's books.
    /// </summary>
    public double KillFloor(string unit, CgroupEventsWatcher watcher)
    {
        double ms = TimeKill(Cgroups, Cgroups.For(unit + ".service"), watcher);
        Post(unit, "stop");
        return ms;
    }

    /// <summary>cgroup.kill of the cgroup, timed until cgroup.events says populated 0: the stop floor.</summary>
    public static double TimeKill(ICgroupManager cgroups, ServiceCgroup cg, CgroupEventsWatcher watcher)
    {
        var empty = new ManualResetEventSlim();
        using (watcher.Watch(cg, () => { if (!cgroups.IsPopulated(cg)) empty.Set(); }))
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            CgroupFile.Write(Path.Combine(cg.Path, "cgroup.kill"), "1");
            if (cgroups.IsPopulated(cg)) empty.Wait(TimeSpan.FromSeconds(60));
            return sw.Elapsed.TotalMilliseconds;
        }
    }

    /// <summary>
    /// Starts a program inside a cgroup of the benchmark's own from its first instruction, as Corral
    /// starts a service, its output to /dev/null: a process left running must not hold a pipe of ours
    /// open (WaitForExit would wait for its end). sh execs corral-exec, which execs the program: one pid.
    /// </summary>
    public static Process SpawnIn(string repo, ServiceCgroup cg, string path, params string[] argv)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in (string[])["-c", "exec \"$0\" \"$@\" </dev/null >/dev/null 2>&1", Path.Combine(repo, "bin", "corral-exec"), "--cgroup", cg.Path, "--", path, .. argv])
            psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    public void Post(string unit, string verb)
    {
        var (status, body) = Api.Send("POST", $"/v1/units/{(unit.EndsWith(".target") || unit.EndsWith(".socket") || unit.EndsWith(".timer") ? unit : unit + ".service")}/{verb}");
        if (status != 200) throw new InvalidOperationException($"{verb} {unit}: {body}");
    }

    public void Dispose()
    {
        Corral.Linux.Signaller.TryKill(_process.Id, 15);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(60))) _process.Kill();
        Cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(10));
        // The daemon unmounts its tracefs on exit; the benchmark's own tmpfs mounts go now. Should a
        // tracefs still be mounted, nothing is deleted: never delete into a live tracefs.
        foreach (var line in File.ReadLines("/proc/self/mountinfo").Where(l => l.Contains(" " + Dir + "/", StringComparison.Ordinal) && l.Contains(" - tmpfs ", StringComparison.Ordinal)))
            using (var umount = Process.Start("/bin/umount", [line.Split(' ')[4]])) umount.WaitForExit();
        bool mounted = File.ReadAllText("/proc/self/mountinfo").Contains(" " + Dir + "/", StringComparison.Ordinal);
        if (!mounted) Directory.Delete(Dir, recursive: true);
    }
}
