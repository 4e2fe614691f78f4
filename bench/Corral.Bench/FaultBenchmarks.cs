using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;

namespace Corral.Bench;

/// <summary>
/// Issue #11's faults, measured (docs/security.md): a 2 MiB tmpfs as log directory under a flooding
/// service; a full state filesystem under a service that dies every second; 1 000 idle connections
/// on the socket; a second daemon on the same socket. Each reports whether the daemon stayed up,
/// how long <c>corral list</c> took meanwhile (beside the same daemon at rest), and what was lost
/// and counted. Tmpfs mounts are the benchmark's own, under its daemon's directory.
/// </summary>
public static class FaultBenchmarks
{
    private static void Mount(string dir, string size)
    {
        Directory.CreateDirectory(dir);
        Run("/bin/mount", "-t", "tmpfs", "-o", $"size={size},mode=0750", "tmpfs", dir);
    }

    private static void Run(string exe, params string[] args)
    {
        using var p = Process.Start(exe, args);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{exe} {string.Join(' ', args)} failed");
    }

    /// <summary>Fills the filesystem of the directory; returns the filler's path.</summary>
    private static string Fill(string dir)
    {
        string path = Path.Combine(dir, "filler");
        using var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 1);
        var block = new byte[64 * 1024];
        try { while (true) f.Write(block); } catch (IOException) { }
        var small = new byte[512];
        try { while (true) f.Write(small); } catch (IOException) { }
        return path;
    }

    /// <summary>Times <c>GET /v1/units</c> (what <c>corral list</c> asks) n times, one every <paramref name="every"/>.</summary>
    private static List<double> ListTimes(BenchDaemon d, int n, TimeSpan every)
    {
        var times = new List<double>();
        for (int i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            var (status, _) = d.Api.Send("GET", "/v1/units");
            if (status != 200) throw new InvalidOperationException($"list answered {status}");
            times.Add(sw.Elapsed.TotalMilliseconds);
            Thread.Sleep(every);
        }
        return times;
    }

    private static string Summary(List<double> xs) => $"median {Stats.Ms(Stats.Median(xs))} ms, max {Stats.Ms(xs.Max())} ms";

    private static double RssMib(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:")).Select(l => long.Parse(l[6..].Trim().Split(' ')[0]) / 1024.0).First();

    private static JsonElement Status(BenchDaemon d, string unit) => JsonDocument.Parse(d.Api.Send("GET", $"/v1/units/{unit}.service").Body).RootElement;

    private static List<JsonElement> Notices(BenchDaemon d, string kind) =>
        JsonDocument.Parse(d.Api.Send("GET", $"/v1/notices?kind={kind}&limit=1000").Body).RootElement.GetProperty("notices").EnumerateArray().ToList();

    /// <summary>The flood for <paramref name="seconds"/> into a log tmpfs of <paramref name="size"/>: list times, daemon CPU, bytes lost, the flood still running.</summary>
    private static (List<double> AtRest, List<double> During, double CpuPerSecond, long Lost, bool FloodActive, BenchDaemon Daemon) Flood(string repo, string workload, string size, int seconds)
    {
        var d = new BenchDaemon(repo, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "flood.service"), $"[Service]\nExecStart={workload} flood\n");
            File.WriteAllText(Path.Combine(dir, "quiet.service"), $"[Service]\nExecStart={workload} sleep\n");
        }, prepare: dir => Mount(Path.Combine(dir, "logs"), size));
        d.Post("quiet", "start");
        var rest = ListTimes(d, 20, TimeSpan.FromMilliseconds(100));
        long cpu0 = d.CpuTicks();
        d.Post("flood", "start");
        var during = ListTimes(d, seconds * 2, TimeSpan.FromMilliseconds(500));
        double cpu = (d.CpuTicks() - cpu0) / 100.0 / seconds;
        long lost = Status(d, "flood").GetProperty("logBytesLost").GetInt64();
        bool active = Status(d, "flood").GetProperty("activeState").GetString() == "active";
        return (rest, during, cpu, lost, active, d);
    }

    public static void FullLogDisk(string repo, string workload, int seconds)
    {
        var roomy = Flood(repo, workload, "256m", seconds / 3);
        using (roomy.Daemon)
            Console.WriteLine($"log-disk-roomy: {seconds / 3} s of `flood` into a 256 MiB tmpfs (rotating at 10 MiB): list {Summary(roomy.During)} (at rest {Summary(roomy.AtRest)}); " +
                              $"daemon CPU {roomy.CpuPerSecond:F2} s per second; lost {roomy.Lost} bytes");
        var full = Flood(repo, workload, "2m", seconds);
        using var d = full.Daemon;
        d.Post("flood", "stop");
        foreach (var f in Directory.GetFiles(Path.Combine(d.Dir, "logs"))) File.Delete(f);
        d.Post("flood", "start");
        Thread.Sleep(1000);
        d.Post("flood", "stop");
        var ended = Notices(d, "log-loss-ended");
        Console.WriteLine($"full-log-disk: {seconds} s of `flood` into a 2 MiB tmpfs: daemon up {Alive(d)}, flood still active {full.FloodActive}; " +
                          $"list during {Summary(full.During)} (at rest {Summary(full.AtRest)}); {full.Lost / 1048576.0:F0} MiB of output lost and counted ({full.Lost / 1048576.0 / seconds:F0} MiB/s); " +
                          $"daemon CPU {full.CpuPerSecond:F2} s per second; log-loss notices {Notices(d, "log-loss").Count}, after room was made: \"{ended.LastOrDefault().GetProperty("message").GetString()}\"");
    }

    public static void FullStateDisk(string repo, string workload, int seconds)
    {
        using var d = new BenchDaemon(repo, dir =>
            File.WriteAllText(Path.Combine(dir, "dying.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} exit 1\nRestart=always\nRestartSec=200ms\n"),
            prepare: dir => Mount(Path.Combine(dir, "state"), "8m"));
        var rest = ListTimes(d, 20, TimeSpan.FromMilliseconds(100));
        string filler = Fill(Path.Combine(d.Dir, "state"));
        d.Post("dying", "start");
        var during = ListTimes(d, seconds * 2, TimeSpan.FromMilliseconds(500));
        d.Post("dying", "stop");
        int restarts = Status(d, "dying").GetProperty("nRestarts").GetInt32();
        int storedWhileFull = Deaths(d);
        double rssFull = RssMib(d.Pid);
        File.Delete(filler);
        var sw = Stopwatch.StartNew();
        while (Deaths(d) < restarts + 1 && sw.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(50);
        Console.WriteLine($"full-state-disk: {seconds} s of a service dying every ~0.2 s on a full 8 MiB state tmpfs: daemon up {Alive(d)}; list during {Summary(during)} (at rest {Summary(rest)}); " +
                          $"{restarts + 1} deaths, {storedWhileFull} in the store while full, {Deaths(d)} once room was made ({sw.Elapsed.TotalMilliseconds:F0} ms later); " +
                          $"VmRSS while holding {rssFull:F1} MiB; notices records-held {Notices(d, "records-held").Count}, records-written {Notices(d, "records-written").Count}");
    }

    private static int Deaths(BenchDaemon d) =>
        JsonDocument.Parse(d.Api.Send("GET", "/v1/deaths?unit=dying.service&limit=100000").Body).RootElement.GetProperty("deaths").GetArrayLength();

    public static void IdleConnections(string repo, string workload, int count)
    {
        using var d = new BenchDaemon(repo, dir => File.WriteAllText(Path.Combine(dir, "one.service"), $"[Service]\nExecStart={workload} sleep\n"));
        d.Post("one", "start");
        var rest = ListTimes(d, 20, TimeSpan.FromMilliseconds(50));
        double rss0 = RssMib(d.Pid);
        var idle = new List<Socket>();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(d.Socket));
            idle.Add(s);
        }
        double opened = sw.Elapsed.TotalMilliseconds;
        var during = ListTimes(d, 20, TimeSpan.FromMilliseconds(50));
        double rss1 = RssMib(d.Pid);
        Thread.Sleep(11_000);
        int closed = idle.Count(s => s.Poll(0, SelectMode.SelectRead) && s.Available == 0);
        foreach (var s in idle) s.Dispose();
        Console.WriteLine($"idle-connections: {count} idle on the socket (opened in {opened:F0} ms): daemon up {Alive(d)}; list {Summary(during)} (without them {Summary(rest)}); " +
                          $"VmRSS {rss0:F1} → {rss1:F1} MiB; closed by the daemon 11 s later: {closed} of {count}");
    }

    public static void SecondDaemon(string repo, string workload)
    {
        using var d = new BenchDaemon(repo, dir => File.WriteAllText(Path.Combine(dir, "one.service"), $"[Service]\nExecStart={workload} sleep\n"));
        d.Post("one", "start");
        var psi = new ProcessStartInfo(Path.Combine(repo, "bin", "corral"), ["daemon", "--units", Path.Combine(d.Dir, "units"), "--socket", d.Socket,
            "--state-dir", Path.Combine(d.Dir, "second-state"), "--log-dir", Path.Combine(d.Dir, "second-logs"), "--cgroup-root", d.Cgroups.Root + "-second"])
            { RedirectStandardError = true, UseShellExecute = false };
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Console.WriteLine($"second-daemon: same socket: exit {p.ExitCode} after {sw.Elapsed.TotalMilliseconds:F0} ms: {err.Trim()}; the first still up {Alive(d)}, its service's main pid unchanged {Status(d, "one").GetProperty("mainPid").GetInt32() > 0}");
    }

    private static bool Alive(BenchDaemon d) => Directory.Exists($"/proc/{d.Pid}") && d.Api.Send("GET", "/v1/units").Status == 200;
}
