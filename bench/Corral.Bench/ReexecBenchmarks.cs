using System.Diagnostics;

namespace Corral.Bench;

/// <summary>
/// Issue #17 item 3: how long daemon-reexec keeps a client waiting. With 100 services running, the
/// time from the request to the first answer of the new program (what `corral daemon-reexec`
/// waits for), and the longest wait of a client asking all along; beside it, in the same run, the
/// time a daemon of the same build takes from its start to its first answer with no service.
/// </summary>
internal static class ReexecBenchmarks
{
    public static void WithHundred(string repo, string workload, int runs)
    {
        var reexec = new List<double>();
        var longestWait = new List<double>();
        using (var d = new BenchDaemon(repo, dir =>
               {
                   for (int i = 0; i < 100; i++)
                       File.WriteAllText(Path.Combine(dir, $"s{i:D3}.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} sleep\n");
               }, ["--no-default-target"]))
        {
            for (int i = 0; i < 100; i++) d.Post($"s{i:D3}", "start");
            for (int r = 0; r < runs; r++)
            {
                double longest = 0;
                bool polling = true;
                var poller = new Thread(() =>
                {
                    while (Volatile.Read(ref polling))
                    {
                        var sw = Stopwatch.StartNew();
                        var (status, _) = d.Api.Send("GET", "/v1/jobs");
                        if (status != 200) throw new InvalidOperationException($"a client was answered {status} during the reexec");
                        longest = Math.Max(longest, sw.Elapsed.TotalMilliseconds);
                    }
                });
                Thread.Sleep(200);
                poller.Start();
                Thread.Sleep(100);
                var t = Stopwatch.StartNew();
                var (code, body) = d.Api.Send("POST", "/v1/daemon-reexec");
                if (code != 200) throw new InvalidOperationException($"daemon-reexec: {body}");
                d.Api.Send("GET", "/v1/jobs");
                reexec.Add(t.Elapsed.TotalMilliseconds);
                Thread.Sleep(100);
                Volatile.Write(ref polling, false);
                poller.Join();
                longestWait.Add(longest);
            }
            var (s, units) = d.Api.Send("GET", "/v1/units");
            if (s != 200 || units.Split("\"activeState\":\"active\"").Length - 1 < 100) throw new InvalidOperationException("services were lost across the reexecs");
        }
        var starts = new List<double>();
        for (int r = 0; r < runs; r++)
        {
            var sw = Stopwatch.StartNew();
            using var d = new BenchDaemon(repo, _ => { }, ["--no-default-target"]);
            while (true)
            {
                try { if (d.Api.Send("GET", "/v1/jobs").Status == 200) break; }
                catch (Corral.Cli.CliError) { Thread.Sleep(1); }
            }
            starts.Add(sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"reexec-100: daemon-reexec with 100 services, request to the new program's first answer median {Stats.Ms(Stats.Median(reexec))} ms (runs {string.Join(' ', reexec.Select(Stats.Ms))}); " +
            $"longest wait of a client asking all along median {Stats.Ms(Stats.Median(longestWait))} ms (runs {string.Join(' ', longestWait.Select(Stats.Ms))}); no request refused");
        Console.WriteLine($"reexec-100 beside: a daemon's own start to its first answer, no service, median {Stats.Ms(Stats.Median(starts))} ms (runs {string.Join(' ', starts.Select(Stats.Ms))})");
    }
}
