using System.Diagnostics;
using Corral.Linux.Cgroups;

namespace Corral.Bench;

/// <summary>
/// Issue #16, item 5: the same figures, by the same method, for Debian's supervisord and tini, with
/// Corral measured again beside them in the same run (one CLI command, as a person types it). Each
/// peer runs in a cgroup of the benchmark's own, entered before its first instruction (corral-exec
/// --cgroup), so its processes are counted there and removed with it. `./deps.sh bench` installs them.
/// </summary>
internal static class PeerBenchmarks
{
    private const string Supervisord = "/usr/bin/supervisord", Supervisorctl = "/usr/bin/supervisorctl", Tini = "/usr/bin/tini";

    public static void All(string repo, string workload, int runs)
    {
        if (!File.Exists(Supervisord) || !File.Exists(Tini))
        {
            Console.WriteLine("peers: supervisord or tini is not installed; run ./deps.sh bench first");
            return;
        }
        var layout = CgroupLayout.Detect();
        var cgroups = CgroupManagerFactory.Create(Path.Combine(layout.UnifiedMount, $"corral-bench-peers-{Environment.ProcessId}"), layout);
        string dir = Directory.CreateTempSubdirectory("corral-bench-peers-").FullName;
        try
        {
            cgroups.EnsureRoot();
            var p = new Peers(repo, workload, runs, cgroups, dir);
            p.CorralOneCommand();
            p.Supervisor();
            p.TiniFigures();
        }
        finally
        {
            cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(10));
            Directory.Delete(dir, recursive: true);
        }
    }

    private sealed class Peers(string repo, string workload, int runs, ICgroupManager cgroups, string dir)
    {
        private static readonly string[] Names = Enumerable.Range(0, 100).Select(i => $"s{i:D3}").ToArray();

        /// <summary>Corral, by the peers' method: `corral start` with the 100 names in one command, until it returns.</summary>
        public void CorralOneCommand()
        {
            var start = new List<double>();
            for (int r = 0; r < runs; r++)
            {
                using var d = new BenchDaemon(repo, units =>
                {
                    foreach (var n in Names)
                        File.WriteAllText(Path.Combine(units, n + ".service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} sleep\n");
                });
                start.Add(Time(Path.Combine(repo, "bin", "corral"), ["--socket", d.Socket, "start", .. Names]));
                int running = Names.Count(n => d.Cgroups.ReadPids(d.Cgroups.For(n + ".service")).Count == 1);
                if (running != 100) throw new InvalidOperationException($"corral start: {running} of 100 services run");
            }
            Console.WriteLine($"peers-start-100: corral start (100 names, one command) median {Stats.Ms(Stats.Median(start))} ms (runs {string.Join(' ', start.Select(Stats.Ms))})");
        }

        public void Supervisor()
        {
            string conf = WriteSupervisorConf();
            var cg = cgroups.Create("supervisord", null, null);
            var daemon = BenchDaemon.SpawnIn(repo, cg, Supervisord, "supervisord", "-n", "-c", conf);
            try
            {
                var ready = Stopwatch.StartNew();
                while (Ctl(conf, "status", "one").Code is not (0 or 3))
                {
                    if (ready.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("supervisord did not answer");
                    Thread.Sleep(50);
                }
                if (Ctl(conf, "start", "one").Code != 0) throw new InvalidOperationException("supervisorctl start one failed");

                var query = new List<double>();
                for (int i = 0; i < runs * 4; i++) query.Add(Time(Supervisorctl, "-c", conf, "status", "one"));
                Console.WriteLine($"peers-cli: supervisorctl status one (whole process) median {Stats.Ms(Stats.Median(query))} ms");

                var start = new List<double>();
                var rss = new List<double>();
                for (int r = 0; r < runs; r++)
                {
                    start.Add(Time(Supervisorctl, ["-c", conf, "start", .. Names]));
                    int running = Ctl(conf, "status").Output.Split('\n').Count(l => l.StartsWith('s') && l.Contains("RUNNING"));
                    if (running != 100) throw new InvalidOperationException($"supervisorctl start: {running} of 100 programs run");
                    Thread.Sleep(15000); // idle, as Corral's rss-idle-100
                    rss.Add(ProcStatus.RssKb(daemon.Id) / 1024.0);
                    Ctl(conf, ["stop", .. Names]);
                }
                Console.WriteLine($"peers-start-100: supervisorctl start (100 names, one command) median {Stats.Ms(Stats.Median(start))} ms (runs {string.Join(' ', start.Select(Stats.Ms))})");
                Console.WriteLine($"peers-rss-100: supervisord VmRSS with the 100 running, 15 s idle, median {Stats.Median(rss):F1} MiB (runs {string.Join(' ', rss.Select(x => x.ToString("F1")))})");

                // stopasgroup/killasgroup: supervisord's way to reach a program's whole process group.
                // The tree puts a quarter of its processes in sessions of their own (as daemons do):
                // no group signal reaches them, so the stop is timed until supervisorctl says it is
                // done, and what still runs a second later is counted, then killed by the benchmark.
                var stop = new List<double>();
                var floor = new List<double>();
                var left = new List<int>();
                int one = SupervisedPid(conf, "one");
                for (int r = 0; r < runs; r++)
                {
                    Ctl(conf, "start", "tree");
                    WaitForCount(cg, 1002); // supervisord, "one" and the tree's 1000
                    stop.Add(TimeUntilReachedGone(cg, SupervisedPid(conf, "tree"), [daemon.Id, one], () => Ctl(conf, "stop", "tree")));
                    Thread.Sleep(1000);
                    var survivors = cgroups.ReadPids(cg).Where(pid => pid != daemon.Id && pid != one).ToList();
                    left.Add(survivors.Count);
                    foreach (int pid in survivors) Corral.Linux.Signaller.TryKill(pid, 9); // the tree's, started here
                    WaitForCountAtMost(cg, 2);
                    floor.Add(KillFloor($"floor-s{r}"));
                }
                Report("supervisord (stopasgroup, killasgroup): supervisorctl stop until its group is gone", stop, floor, left);
            }
            finally
            {
                Corral.Linux.Signaller.TryKill(daemon.Id, 15);
                if (!daemon.WaitForExit(TimeSpan.FromSeconds(30))) cgroups.KillAll(cg);
                daemon.Dispose();
            }
        }

        public void TiniFigures()
        {
            // A container's init with its one child: tini's whole footprint.
            var rss = new List<double>();
            var stop = new List<double>();
            var floor = new List<double>();
            var left = new List<int>();
            for (int r = 0; r < runs; r++)
            {
                var cg = cgroups.Create($"tini{r}", null, null);
                // -g: a signal goes to the child's whole process group, the closest tini comes to a stop of every process.
                using var tini = BenchDaemon.SpawnIn(repo, cg, Tini, "tini", "-g", "--", workload, "tree", "1000");
                WaitForCount(cg, 1001);
                rss.Add(ProcStatus.RssKb(tini.Id) / 1024.0);
                int child = cgroups.ReadPids(cg).First(pid => Corral.Linux.Procfs.ProcReader.TryReadStat(pid, out var st) && st!.Ppid == tini.Id);
                stop.Add(TimeUntilReachedGone(cg, child, [tini.Id], () => Corral.Linux.Signaller.TryKill(tini.Id, 15)));
                if (!tini.WaitForExit(TimeSpan.FromSeconds(30))) throw new TimeoutException("tini did not exit on SIGTERM");
                Thread.Sleep(1000);
                left.Add(cgroups.ReadPids(cg).Count); // those in sessions of their own: no group signal reaches them
                cgroups.KillAll(cg);
                WaitForCountAtMost(cg, 0);
                floor.Add(KillFloor($"floor-t{r}"));
            }
            Console.WriteLine($"peers-rss: tini VmRSS (one child, a 1000-process tree) median {Stats.Median(rss):F1} MiB");
            Report("tini -g: SIGTERM to tini until its child's group is gone", stop, floor, left);
        }

        private static void Report(string who, List<double> stop, List<double> floor, List<int> left)
        {
            double s = Stats.Median(stop), f = Stats.Median(floor);
            Console.WriteLine($"peers-stop-1000: {who} median {Stats.Ms(s)} ms; floor cgroup.kill + populated 0 median {Stats.Ms(f)} ms; ratio {s / f:F2}; " +
                $"processes still running 1 s after: median {Stats.Median(left.Select(x => (double)x))} of 1000");
            Console.WriteLine($"  runs stop: {string.Join(' ', stop.Select(Stats.Ms))}; floor: {string.Join(' ', floor.Select(Stats.Ms))}; left: {string.Join(' ', left)}");
        }

        /// <summary>
        /// Times a peer's stop until every process its signal can reach is gone: those of the tree's
        /// session (one process group: nobody in it calls setpgid). The tree's processes in sessions
        /// of their own are out of any peer's reach; they are counted afterwards, not waited for.
        /// </summary>
        private double TimeUntilReachedGone(ServiceCgroup cg, int root, int[] stay, Action stop)
        {
            var pids = cgroups.ReadPids(cg);
            int session = Corral.Linux.Procfs.ProcReader.TryReadStat(root, out var rs) ? rs!.Session : throw new InvalidOperationException($"the tree's root {root} is gone");
            int reachable = pids.Count(pid => !stay.Contains(pid) && Corral.Linux.Procfs.ProcReader.TryReadStat(pid, out var st) && st!.Session == session);
            int target = pids.Count - reachable;
            var sw = Stopwatch.StartNew();
            stop();
            while (cgroups.ReadPids(cg).Count > target)
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"{cg.Path}: the stop left processes of the tree's group");
                Thread.Sleep(2);
            }
            return sw.Elapsed.TotalMilliseconds;
        }

        private void WaitForCountAtMost(ServiceCgroup cg, int n)
        {
            var end = Stopwatch.StartNew();
            while (cgroups.ReadPids(cg).Count > n)
            {
                if (end.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{cg.Path} kept more than {n} processes");
                Thread.Sleep(10);
            }
        }

        /// <summary>The pid supervisorctl reports for a running program ("one RUNNING pid 123, uptime …").</summary>
        private static int SupervisedPid(string conf, string program)
        {
            string line = Ctl(conf, "status", program).Output;
            int at = line.IndexOf("pid ", StringComparison.Ordinal);
            return at < 0 ? 0 : int.Parse(new string(line[(at + 4)..].TakeWhile(char.IsAsciiDigit).ToArray()));
        }

        /// <summary>The same 1000-process tree in a cgroup of its own, killed by cgroup.kill, timed until the kernel says populated 0.</summary>
        private double KillFloor(string name)
        {
            var cg = cgroups.Create(name, null, null);
            using var tree = BenchDaemon.SpawnIn(repo, cg, workload, "corral-workload", "tree", "1000");
            WaitForCount(cg, 1000);
            using var watcher = new CgroupEventsWatcher();
            double ms = BenchDaemon.TimeKill(cgroups, cg, watcher);
            tree.WaitForExit();
            cgroups.TryRemove(cg);
            return ms;
        }

        private void WaitForCount(ServiceCgroup cg, int n)
        {
            var end = Stopwatch.StartNew();
            while (cgroups.ReadPids(cg).Count < n)
            {
                if (end.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"{cg.Path} did not reach {n} processes");
                Thread.Sleep(10);
            }
        }

        private string WriteSupervisorConf()
        {
            string logs = Directory.CreateDirectory(Path.Combine(dir, "logs")).FullName;
            var c = new System.Text.StringBuilder();
            c.Append($"[unix_http_server]\nfile={dir}/supervisor.sock\nchmod=0700\n\n");
            c.Append($"[supervisord]\nlogfile={dir}/supervisord.log\npidfile={dir}/supervisord.pid\nchildlogdir={logs}\nnodaemon=true\n\n");
            c.Append("[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n");
            c.Append($"[supervisorctl]\nserverurl=unix://{dir}/supervisor.sock\n\n");
            // startsecs=0: "running" as soon as it is spawned, as Corral's Type=simple.
            foreach (var n in (string[])[.. Names, "one"])
                c.Append($"[program:{n}]\ncommand={workload} sleep\nautostart=false\nstartsecs=0\n\n");
            c.Append($"[program:tree]\ncommand={workload} tree 1000\nautostart=false\nstartsecs=0\nstopasgroup=true\nkillasgroup=true\nstopwaitsecs=30\n");
            string path = Path.Combine(dir, "supervisord.conf");
            File.WriteAllText(path, c.ToString());
            return path;
        }

        private static (int Code, string Output) Ctl(string conf, params string[] args)
        {
            var psi = new ProcessStartInfo(Supervisorctl) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-c", conf, .. args]) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }

        private static double Time(string exe, params string[] args)
        {
            var psi = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return sw.Elapsed.TotalMilliseconds;
        }
    }
}
