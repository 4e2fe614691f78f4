using System.Diagnostics;

namespace Corral.Bench;

/// <summary>
/// Issue #15, item 7: 100 services in a dependency chain (each Requires= and After= the one
/// before) started by one request for the last, and 100 independent ones pulled in by one target,
/// each until all are active; beside the same number of services without dependencies started one
/// request each, by the same daemon in the same run.
/// </summary>
internal static class DependencyBenchmarks
{
    private const int N = 100;

    public static void ChainAndTarget(string repo, string workload, int runs)
    {
        var chain = new List<double>();
        var target = new List<double>();
        var flat = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            using var d = new BenchDaemon(repo, dir =>
            {
                string head = $"[Unit]\nStartLimitIntervalSec=0\n";
                for (int i = 0; i < N; i++)
                {
                    string after = i == 0 ? "" : $"Requires=c{i - 1:D3}.service\nAfter=c{i - 1:D3}.service\n";
                    File.WriteAllText(Path.Combine(dir, $"c{i:D3}.service"), $"{head}{after}[Service]\nExecStart={workload} sleep\n");
                    File.WriteAllText(Path.Combine(dir, $"t{i:D3}.service"), $"{head}PartOf=bench.target\n[Service]\nExecStart={workload} sleep\n");
                    File.WriteAllText(Path.Combine(dir, $"f{i:D3}.service"), $"{head}[Service]\nExecStart={workload} sleep\n");
                }
                File.WriteAllText(Path.Combine(dir, "bench.target"),
                    $"[Unit]\nWants={string.Join(' ', Enumerable.Range(0, N).Select(i => $"t{i:D3}.service"))}\n");
            }, ["--no-default-target"]);
            // Alternated, so that neither kind always runs on a warmer daemon.
            var order = r % 2 == 0 ? new[] { "chain", "target", "flat" } : ["flat", "target", "chain"];
            foreach (var kind in order)
            {
                var sw = Stopwatch.StartNew();
                switch (kind)
                {
                    case "chain": d.Post($"c{N - 1:D3}", "start"); chain.Add(sw.Elapsed.TotalMilliseconds); break;
                    case "target": d.Post("bench.target", "start"); target.Add(sw.Elapsed.TotalMilliseconds); break;
                    default:
                        for (int i = 0; i < N; i++) d.Post($"f{i:D3}", "start");
                        flat.Add(sw.Elapsed.TotalMilliseconds);
                        break;
                }
                if (Running(d) != N) throw new InvalidOperationException($"{kind}: {Running(d)} services running, not {N}");
                switch (kind)
                {
                    case "chain": d.Post("c000", "stop"); break;
                    case "target": d.Post("bench.target", "stop"); break;
                    default: for (int i = 0; i < N; i++) d.Post($"f{i:D3}", "stop"); break;
                }
            }
        }
        Console.WriteLine($"deps-100: chain of {N} (one start) median {Stats.Ms(Stats.Median(chain))} ms; {N} pulled in by a target median {Stats.Ms(Stats.Median(target))} ms; "
            + $"{N} without dependencies (one start each) median {Stats.Ms(Stats.Median(flat))} ms");
        Console.WriteLine($"  runs chain: {string.Join(' ', chain.Select(Stats.Ms))}");
        Console.WriteLine($"  runs target: {string.Join(' ', target.Select(Stats.Ms))}");
        Console.WriteLine($"  runs flat: {string.Join(' ', flat.Select(Stats.Ms))}");
    }

    /// <summary>How many services run now, by the daemon's own list.</summary>
    private static int Running(BenchDaemon d)
    {
        var (_, body) = d.Api.Send("GET", "/v1/units");
        using var doc = System.Text.Json.JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("units").EnumerateArray()
            .Count(u => u.GetProperty("name").GetString()!.EndsWith(".service") && u.GetProperty("subState").GetString() == "running");
    }
}
