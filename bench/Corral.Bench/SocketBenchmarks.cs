using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Corral.Bench;

/// <summary>
/// Issue #20: what socket activation costs the first client. From connect() to the service's first
/// byte on an Accept=no socket whose service is not running (the daemon sees the connection, starts
/// the service, which accepts it), beside the same on a socket whose service already runs, in the
/// same daemon and the same run, alternately.
/// </summary>
internal static class SocketBenchmarks
{
    private static int FreePort() => Corral.Tests.Shared.FreePorts.Take();

    /// <summary>Milliseconds from the start of connect() to the first byte read.</summary>
    private static double FirstByte(int port)
    {
        using var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        c.ReceiveTimeout = 10_000;
        var buffer = new byte[1];
        var sw = Stopwatch.StartNew();
        c.Connect(IPAddress.Loopback, port);
        if (c.Receive(buffer) != 1) throw new InvalidOperationException($"no byte on port {port}");
        return sw.Elapsed.TotalMilliseconds;
    }

    private static string SubState(BenchDaemon d, string unit)
    {
        var (_, body) = d.Api.Send("GET", $"/v1/units/{unit}");
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("subState").GetString()!;
    }

    public static void FirstConnection(string repo, string workload, int rounds)
    {
        int cold = FreePort(), warm = FreePort();
        using var d = new BenchDaemon(repo, dir =>
        {
            foreach (var (name, port) in new[] { ("cold", cold), ("warm", warm) })
            {
                File.WriteAllText(Path.Combine(dir, name + ".socket"), $"[Socket]\nListenStream=127.0.0.1:{port}\n");
                File.WriteAllText(Path.Combine(dir, name + ".service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} serve-fds\n");
            }
        });
        d.Post("cold.socket", "start");
        d.Post("warm.socket", "start");
        d.Post("warm", "start"); // already running: its first byte is the floor
        var activation = new List<double>();
        var running = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            activation.Add(FirstByte(cold));
            running.Add(FirstByte(warm));
            d.Post("cold", "stop");
            var end = DateTime.UtcNow.AddSeconds(10);
            while (SubState(d, "cold.socket") != "listening" && DateTime.UtcNow < end) Thread.Sleep(2);
        }
        double a = Stats.Median(activation), w = Stats.Median(running);
        Console.WriteLine($"socket-first-byte: Accept=no, service started by the connection: median {Stats.Ms(a)} ms; service already running: median {Stats.Ms(w)} ms; activation costs {Stats.Ms(a - w)} ms ({rounds} each)");
        Console.WriteLine($"  runs activation: {string.Join(' ', activation.Select(Stats.Ms))}");
        Console.WriteLine($"  runs running: {string.Join(' ', running.Select(Stats.Ms))}");
    }

    /// <summary>
    /// What a socket unit's start and stop cost the administrator (the API's answer, the job done),
    /// with a TCP and a Unix stream address; since the socket holder, each also spawns a new holder
    /// and ends the old one. Beside the floor: binding, listening on and closing two such addresses
    /// (their own, not to race the daemon's) in this process.
    /// </summary>
    public static void StartStop(string repo, int rounds)
    {
        int port = FreePort(), floorPort = FreePort();
        string? path = null;
        using var d = new BenchDaemon(repo, dir =>
        {
            path = Path.Combine(dir, "bench.sock");
            File.WriteAllText(Path.Combine(dir, "pair.socket"), $"[Socket]\nListenStream=127.0.0.1:{port}\nListenStream={path}\n");
            File.WriteAllText(Path.Combine(dir, "pair.service"), "[Service]\nExecStart=/bin/true\n");
        });
        var start = new List<double>();
        var stop = new List<double>();
        var floor = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            d.Post("pair.socket", "start");
            start.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            d.Post("pair.socket", "stop");
            stop.Add(sw.Elapsed.TotalMilliseconds);
            sw.Restart();
            using (var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            using (var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, floorPort));
                tcp.Listen();
                unix.Bind(new UnixDomainSocketEndPoint(path! + ".floor"));
                unix.Listen();
            }
            File.Delete(path! + ".floor");
            floor.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"socket-start-stop: start median {Stats.Ms(Stats.Median(start))} ms, stop median {Stats.Ms(Stats.Median(stop))} ms; " +
            $"floor (bind+listen+close both in-process) {Stats.Ms(Stats.Median(floor))} ms ({rounds} each)");
    }
}
