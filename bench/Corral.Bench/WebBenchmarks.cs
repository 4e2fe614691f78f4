using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Corral.Bench;

/// <summary>
/// Issue #6's cost figures: how long a /metrics scrape takes with 100 units (beside the same unit
/// list over the socket, and a static file over the same HTTP endpoint), whether scraping slows
/// supervision (a restart's time with /metrics scraped back to back, against none), and the daemon's
/// resident memory with the HTTP endpoint on and off, two daemons side by side.
/// </summary>
public static class WebBenchmarks
{
    private const int Units = 100;

    private static BenchDaemon Daemon(string repo, string workload, int? port) =>
        new(repo, dir =>
        {
            for (int i = 0; i < Units; i++)
                File.WriteAllText(Path.Combine(dir, $"w{i:D3}.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} sleep\n");
        }, port is { } p ? ["--http", $"127.0.0.1:{p}"] : []);

    private static int FreePort() => Corral.Tests.Shared.FreePorts.Take();

    /// <summary>One GET on a new connection, read to the end (the endpoint closes after each answer); returns ms and the body's size.</summary>
    private static (double Ms, int Bytes) Get(int port, string path)
    {
        var sw = Stopwatch.StartNew();
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Connect(IPAddress.Loopback, port);
        s.Send(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        var buf = new byte[64 * 1024];
        int total = 0, n;
        while ((n = s.Receive(buf)) > 0) total += n;
        return (sw.Elapsed.TotalMilliseconds, total);
    }

    public static void MetricsLatency(string repo, string workload, int runs)
    {
        int port = FreePort();
        using var d = Daemon(repo, workload, port);
        for (int i = 0; i < Units; i++) d.Post($"w{i:D3}", "start");
        Thread.Sleep(2000);
        for (int i = 0; i < 10; i++) Get(port, "/metrics"); // warm-up: the first requests JIT the path

        var metrics = new List<double>();
        var units = new List<double>();
        var asset = new List<double>();
        int bytes = 0;
        for (int i = 0; i < runs * 20; i++)
        {
            var m = Get(port, "/metrics");
            metrics.Add(m.Ms);
            bytes = m.Bytes;
            var sw = Stopwatch.StartNew();
            d.Api.Send("GET", "/v1/units");
            units.Add(sw.Elapsed.TotalMilliseconds);
            asset.Add(Get(port, "/app.css").Ms);
        }
        var sorted = metrics.Order().ToArray();
        Console.WriteLine($"metrics-100: GET /metrics median {Stats.Ms(Stats.Median(metrics))} ms, p95 {Stats.Ms(sorted[(int)(sorted.Length * 0.95)])} ms ({bytes / 1024} KiB, {metrics.Count} scrapes); " +
            $"same units over the socket (GET /v1/units) median {Stats.Ms(Stats.Median(units))} ms; a static file over HTTP (GET /app.css) median {Stats.Ms(Stats.Median(asset))} ms");

        // Supervision under scraping: restart one unit with no scraping, with a scrape every second
        // (a busy Prometheus; the default is every 15 s), and with a client scraping back to back.
        var quiet = new List<double>();
        var everySecond = new List<double>();
        var backToBack = new List<double>();
        for (int r = 0; r < runs * 4; r++)
        {
            quiet.Add(WhileScraping(d, port, null));
            everySecond.Add(WhileScraping(d, port, TimeSpan.FromSeconds(1)));
            backToBack.Add(WhileScraping(d, port, TimeSpan.Zero));
        }
        Console.WriteLine($"restart-under-scrape: restart of one unit median {Stats.Ms(Stats.Median(quiet))} ms without scraping, " +
            $"{Stats.Ms(Stats.Median(everySecond))} ms with /metrics scraped every second, {Stats.Ms(Stats.Median(backToBack))} ms while scraped back to back (runs {runs * 4} each)");
    }

    /// <summary>
    /// A restart timed 1.5 s into a scraping every <paramref name="period"/> (zero: back to back; null:
    /// no scraping at all). Every condition waits the same 1.5 s first: a restart right after another
    /// is faster than one after a pause, whatever the scraping.
    /// </summary>
    private static double WhileScraping(BenchDaemon d, int port, TimeSpan? period)
    {
        using var stop = new CancellationTokenSource();
        var scraper = period is not { } p ? Task.CompletedTask : Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Get(port, "/metrics");
                if (p > TimeSpan.Zero) stop.Token.WaitHandle.WaitOne(p);
            }
        });
        Thread.Sleep(1500);
        double ms = Restart(d, "w000");
        stop.Cancel();
        scraper.Wait();
        return ms;
    }

    private static double Restart(BenchDaemon d, string unit)
    {
        var sw = Stopwatch.StartNew();
        d.Post(unit, "restart");
        return sw.Elapsed.TotalMilliseconds;
    }

    public static void RssOnOff(string repo, string workload, int runs)
    {
        var off = new List<double>();
        var on = new List<double>();
        var used = new List<double>();
        var anon = new List<(double Off, double On, double Used)>();
        for (int r = 0; r < runs; r++)
        {
            int port = FreePort();
            using var a = Daemon(repo, workload, null);
            using var b = Daemon(repo, workload, port);
            for (int i = 0; i < Units; i++) { a.Post($"w{i:D3}", "start"); b.Post($"w{i:D3}", "start"); }
            Thread.Sleep(3000);
            off.Add(RssMib(a.Pid));
            on.Add(RssMib(b.Pid));
            var (anonOff, anonOn) = (RssMib(a.Pid, "RssAnon:"), RssMib(b.Pid, "RssAnon:"));
            // Then in use: a page open on the live feed for 10 s, and 100 scrapes.
            using var page = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            page.Connect(IPAddress.Loopback, port);
            page.Send(Encoding.ASCII.GetBytes($"GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
            var reader = Task.Run(() => { var buf = new byte[64 * 1024]; try { while (page.Receive(buf) > 0) { } } catch (SocketException) { } });
            for (int i = 0; i < 100; i++) Get(port, "/metrics");
            Get(port, "/"); Get(port, "/app.js");
            Thread.Sleep(10_000);
            used.Add(RssMib(b.Pid));
            anon.Add((anonOff, anonOn, RssMib(b.Pid, "RssAnon:")));
            page.Shutdown(SocketShutdown.Both);
        }
        Console.WriteLine($"rss-http-100: daemon VmRSS median {Stats.Median(off):F1} MiB with HTTP off, {Stats.Median(on):F1} MiB with --http idle, " +
            $"{Stats.Median(used):F1} MiB after 100 scrapes with a live page open (runs off {string.Join(' ', off.Select(x => x.ToString("F1")))}; " +
            $"on {string.Join(' ', on.Select(x => x.ToString("F1")))}; used {string.Join(' ', used.Select(x => x.ToString("F1")))})");
        // RssAnon leaves out the pages of mapped files (the runtime, the ReadyToRun images), which
        // depend on which code happened to run: the heap and stacks are what the endpoint adds.
        Console.WriteLine($"rss-anon-http-100: daemon RssAnon median {Stats.Median(anon.Select(x => x.Off)):F1} MiB off, {Stats.Median(anon.Select(x => x.On)):F1} MiB --http idle, " +
            $"{Stats.Median(anon.Select(x => x.Used)):F1} MiB after use (runs used {string.Join(' ', anon.Select(x => x.Used.ToString("F1")))})");
    }

    private static double RssMib(int pid, string field = "VmRSS:") => ProcStatus.Kb(pid, field) / 1024.0;
}
