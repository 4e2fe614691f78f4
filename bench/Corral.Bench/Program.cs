using System.Diagnostics;
using Corral.Bench;
using Corral.Linux.Cgroups;

// Benchmarks of issue #2. Each figure is a median over several runs, measured beside its floor in
// the same run. Usage: bench/run.sh [runs]   (root; after ./build.sh)
int runs = args.Length > 0 ? int.Parse(args[0]) : 5;
string repo = args.Length > 1 ? args[1] : FindRepo();
string only = args.Length > 2 ? args[2] : "all"; // stop | start | cli | deaths | monitor | foreign | web | faults | notify | deps | storm | peers | reexec | sandbox | sockets | all
string workload = Path.Combine(repo, "bin", "corral-workload");
Console.WriteLine($"# Corral benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, kernel {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}, {runs} runs each");

if (only is "all" or "stop") StopVersusFloor();
if (only is "all" or "start") StartHundred();
if (only is "all" or "cli") CliRoundTrip();
if (only is "all" or "deaths")
{
    DeathBenchmarks.RecordLatency(repo, workload, runs * 40);
    DeathBenchmarks.KillStorm(repo, workload, tracing: true);
    DeathBenchmarks.KillStorm(repo, workload, tracing: false);
}
if (only is "all" or "monitor")
{
    MonitorBenchmarks.AtRest(repo, workload, runs);
    MonitorBenchmarks.ForkStorm(repo, workload, Math.Min(runs, 3));
}
if (only is "all" or "monitor" or "foreign") MonitorBenchmarks.ForeignTree(repo, workload, runs);
if (only is "all" or "web")
{
    WebBenchmarks.MetricsLatency(repo, workload, runs);
    WebBenchmarks.RssOnOff(repo, workload, runs + 2);
}
if (only is "all" or "notify")
{
    NotifyBenchmarks.StartToReady(repo, workload, runs * 10);
    NotifyBenchmarks.StatusFlood(repo, workload, 5);
}
if (only is "all" or "deps") DependencyBenchmarks.ChainAndTarget(repo, workload, runs);
if (only is "all" or "storm") StormBenchmarks.ForkBomb(repo, workload, runs);
if (only is "all" or "peers") PeerBenchmarks.All(repo, workload, runs);
if (only is "all" or "reexec") ReexecBenchmarks.WithHundred(repo, workload, runs);
if (only is "all" or "sandbox") SandboxBenchmarks.StartBareAndSandboxed(repo, runs * 20);
if (only is "all" or "sockets")
{
    SocketBenchmarks.FirstConnection(repo, workload, runs * 10);
    SocketBenchmarks.StartStop(repo, runs * 10);
}
if (only is "all" or "faults")
{
    FaultBenchmarks.FullLogDisk(repo, workload, 60);
    FaultBenchmarks.FullStateDisk(repo, workload, 60);
    FaultBenchmarks.IdleConnections(repo, workload, 1000);
    FaultBenchmarks.SecondDaemon(repo, workload);
}

void StopVersusFloor()
{
    // Two identical 1000-process trees; one stopped by Corral, the other killed by the bare kernel mechanism.
    using var d = new BenchDaemon(repo, dir =>
    {
        foreach (var name in new[] { "tree", "floor" })
            File.WriteAllText(Path.Combine(dir, name + ".service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} tree 1000\nTimeoutStopSec=30\n");
    });
    using var watcher = new CgroupEventsWatcher();
    var stopApi = new List<double>();
    var floor = new List<double>();
    for (int r = 0; r < runs; r++)
    {
        d.Post("tree", "start");
        d.Post("floor", "start");
        WaitForTasks(d, "tree.service", 1000);
        WaitForTasks(d, "floor.service", 1000);

        var sw = Stopwatch.StartNew();
        d.Post("tree", "stop"); // returns when the unit is dead: every process gone
        stopApi.Add(sw.Elapsed.TotalMilliseconds);

        floor.Add(d.KillFloor("floor", watcher));
    }
    double s = Stats.Median(stopApi), f = Stats.Median(floor);
    Console.WriteLine($"stop-1000: corral stop (API) median {Stats.Ms(s)} ms; floor cgroup.kill + populated 0 median {Stats.Ms(f)} ms; ratio {s / f:F2}");
    Console.WriteLine($"  runs stop: {string.Join(' ', stopApi.Select(Stats.Ms))}");
    Console.WriteLine($"  runs floor: {string.Join(' ', floor.Select(Stats.Ms))}");
}

void WaitForTasks(BenchDaemon d, string unit, int n)
{
    var cg = d.Cgroups.For(unit);
    var end = DateTime.UtcNow.AddSeconds(60);
    while (d.Cgroups.ReadPids(cg).Count < n)
    {
        if (DateTime.UtcNow > end) throw new TimeoutException($"{unit} did not reach {n} processes");
        Thread.Sleep(10);
    }
}

void StartHundred()
{
    var totals = new List<double>();
    var perService = new List<double>();
    var rss = new List<double>();
    var anon = new List<double>();
    for (int r = 0; r < runs; r++)
    {
        using var d = new BenchDaemon(repo, dir =>
        {
            for (int i = 0; i < 100; i++)
                File.WriteAllText(Path.Combine(dir, $"s{i:D3}.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} sleep\n");
        });
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++)
        {
            var one = Stopwatch.StartNew();
            d.Post($"s{i:D3}", "start");
            perService.Add(one.Elapsed.TotalMilliseconds);
        }
        totals.Add(sw.Elapsed.TotalMilliseconds);
        // Idle: 60 s, so that what the daemon keeps is measured, not what a start burst left for the
        // moment (it gives spare memory back at most every 10 s, Monitoring/MemoryTrim) nor a moment
        // before the first usage samples (every 10 s) and the collections that follow them.
        Thread.Sleep(60000);
        GC.KeepAlive(d);
        rss.Add(ProcStatus.RssKb(d.Pid) / 1024.0);
        anon.Add(ProcStatus.Kb(d.Pid, "RssAnon:") / 1024.0);
    }
    var floors = new List<double>();
    for (int r = 0; r < runs; r++) floors.Add(StartFloor(100));
    double t = Stats.Median(totals), fl = Stats.Median(floors);
    Console.WriteLine($"start-100: total median {Stats.Ms(t)} ms (runs {string.Join(' ', totals.Select(Stats.Ms))}); per service median {Stats.Ms(Stats.Median(perService))} ms");
    Console.WriteLine($"start-100 floor (no daemon: make the cgroups, posix_spawn corral-exec into them, wait for the exec): median {Stats.Ms(fl)} ms (runs {string.Join(' ', floors.Select(Stats.Ms))}); ratio {t / fl:F2}");
    Console.WriteLine($"rss-idle-100: daemon VmRSS median {Stats.Median(rss):F1} MiB (runs {string.Join(' ', rss.Select(x => x.ToString("F1")))}), RssAnon median {Stats.Median(anon):F1} MiB, after 60 s idle");
}

// The floor of start-100 (issue #16, item 5): bench/start-floor.c, run against cgroups of its own.
double StartFloor(int n)
{
    var layout = CgroupLayout.Detect();
    var cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-bench-floor-{Environment.ProcessId}"), layout);
    string dir = Directory.CreateTempSubdirectory("corral-bench-floor-").FullName;
    try
    {
        cgroups.EnsureRoot();
        string exe = Path.Combine(dir, "start-floor");
        using (var cc = Process.Start("cc", ["-O2", "-o", exe, Path.Combine(repo, "bench", "start-floor.c")])) cc.WaitForExit();
        var roots = new[] { cgroups.Root, layout.MemoryV1Mount, layout.PidsV1Mount }
            .Where(r => r is not null).Select(r => r == cgroups.Root ? r : Path.Combine(r!, Path.GetFileName(cgroups.Root)));
        string ms = Run(exe, [n.ToString(), Path.Combine(repo, "bin", "corral-exec"), string.Join(',', roots), "--", workload, "workload", "sleep"]);
        return double.Parse(ms, System.Globalization.CultureInfo.InvariantCulture);
    }
    finally
    {
        cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(10));
        Directory.Delete(dir, recursive: true);
    }
}

void CliRoundTrip()
{
    using var d = new BenchDaemon(repo, dir => File.WriteAllText(Path.Combine(dir, "one.service"), $"[Service]\nExecStart={workload} sleep\n"));
    d.Post("one", "start");
    var show = new List<double>();
    var floor = new List<double>();
    var client = new List<double>();
    string corral = Path.Combine(repo, "bin", "corral");
    // The floor of item 5: a minimal C client sending the same request over the same socket.
    string cfloor = Path.Combine(d.Dir, "cli-floor");
    using (var cc = Process.Start("cc", ["-O2", "-o", cfloor, Path.Combine(repo, "bench", "cli-floor.c")])) cc.WaitForExit();
    string answer = Run(corral, "--socket", d.Socket, "show", "one", "-p", "MainPID", "--value");
    if (Run(cfloor, d.Socket, "one", "MainPID") != answer) throw new InvalidOperationException("cli-floor's answer differs from corral show's");
    for (int i = 0; i < runs * 4; i++)
    {
        show.Add(Time(corral, "--socket", d.Socket, "show", "one", "-p", "MainPID", "--value"));
        client.Add(Time(cfloor, d.Socket, "one", "MainPID"));
        floor.Add(Time(corral, "help")); // the same program, no daemon: start-up alone
    }
    double s = Stats.Median(show), f = Stats.Median(floor), c = Stats.Median(client);
    Console.WriteLine($"cli-show: corral show -p MainPID --value median {Stats.Ms(s)} ms; minimal C client, same request, median {Stats.Ms(c)} ms (ratio {s / c:F2}); corral help (no socket) median {Stats.Ms(f)} ms");
}

string Run(string exe, params string[] a)
{
    var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true };
    foreach (var x in a) psi.ArgumentList.Add(x);
    using var p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return output;
}

double Time(string exe, params string[] a)
{
    var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true };
    foreach (var x in a) psi.ArgumentList.Add(x);
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    return sw.Elapsed.TotalMilliseconds;
}


static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "build.sh"))) return dir.FullName;
    throw new InvalidOperationException("repository root not found");
}
