using System.Diagnostics;
using Corral.Daemon.Wire;
using Corral.Linux;

namespace Corral.Bench;

/// <summary>Issue #3: how fast a death becomes a record, and whether every death in a kill storm is attributed right.</summary>
public static class DeathBenchmarks
{
    /// <summary>kill -9 of a main process from here, then poll the API until its record is there.</summary>
    public static void RecordLatency(string repo, string workload, int samples)
    {
        using var d = new BenchDaemon(repo, dir => File.WriteAllText(Path.Combine(dir, "victim.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={workload} sleep\n"));
        var latencies = new List<double>();
        long last = 0;
        for (int i = 0; i < samples; i++)
        {
            d.Post("victim", "start");
            int pid = d.Api.Get("/v1/units/victim.service", ApiJson.Default.UnitStatus).MainPid;
            var sw = Stopwatch.StartNew();
            Signaller.TryKill(pid, 9);
            while (true)
            {
                var found = d.Api.Get($"/v1/deaths?unit=victim.service&after={last}&limit=1", ApiJson.Default.DeathList).Deaths;
                if (found.Count > 0) { last = found[0].Id; break; }
                if (sw.Elapsed > TimeSpan.FromSeconds(10)) throw new TimeoutException("no record within 10 s");
            }
            latencies.Add(sw.Elapsed.TotalMilliseconds);
            while (d.Api.Get("/v1/units/victim.service", ApiJson.Default.UnitStatus).ActiveState is not ("inactive" or "failed")) Thread.Sleep(1);
        }
        latencies.Sort();
        Console.WriteLine($"death-to-record: {samples} kill -9 of a main process, until its record is queryable through the API: median {Stats.Ms(Stats.Median(latencies))} ms, p99 {Stats.Ms(latencies[(int)Math.Ceiling(samples * 0.99) - 1])} ms, max {Stats.Ms(latencies[^1])} ms");
    }

    /// <summary>
    /// 1000 kills a second for 10 s, spread over 10 services that each keep 20 children alive;
    /// every kill is then looked up: a record for that pid after the kill, cause "signal", sender this process.
    /// </summary>
    public static void KillStorm(string repo, string workload, bool tracing)
    {
        const int services = 10, kills = 10_000;
        using var d = new BenchDaemon(repo, dir =>
        {
            for (int s = 0; s < services; s++)
                File.WriteAllText(Path.Combine(dir, $"pool{s}.service"), $"[Service]\nExecStart={workload} pool 20\n");
        }, tracing ? [] : ["--no-tracing"]);
        var mains = new int[services];
        for (int s = 0; s < services; s++)
        {
            d.Post($"pool{s}", "start");
            mains[s] = d.Api.Get($"/v1/units/pool{s}.service", ApiJson.Default.UnitStatus).MainPid;
            while (d.Cgroups.ReadPids(d.Cgroups.For($"pool{s}.service")).Count < 21) Thread.Sleep(5);
        }
        var sent = new List<(int Pid, int Signal, DateTimeOffset At)>(kills);
        var killed = new HashSet<int>();
        long cpu0 = d.CpuTicks();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < kills; i++)
        {
            while (sw.Elapsed.TotalMilliseconds < i) Thread.SpinWait(200);
            int s = i % services;
            var victim = d.Cgroups.ReadPids(d.Cgroups.For($"pool{s}.service")).FirstOrDefault(p => p != mains[s] && !killed.Contains(p));
            if (victim == 0) continue;
            int signal = i % 2 == 0 ? 15 : 9;
            killed.Add(victim);
            sent.Add((victim, signal, DateTimeOffset.Now));
            Signaller.TryKill(victim, signal);
            // A killed process stays listed until its parent reaps it, and a second kill of it makes
            // no second death: only pids no longer listed are forgotten (they may then be reused).
            if (i % 500 == 499)
                killed.IntersectWith(Enumerable.Range(0, services).SelectMany(n => d.Cgroups.ReadPids(d.Cgroups.For($"pool{n}.service"))));
        }
        double seconds = sw.Elapsed.TotalSeconds;
        long cpu1 = d.CpuTicks();
        // Records may trail the deaths (a death waits up to 250 ms for its trace line): read them once
        // their number has not changed for 2 s, and say how long that took.
        var settle = Stopwatch.StartNew();
        int count = -1;
        List<DeathView> all;
        while (true)
        {
            all = d.Api.Get("/v1/deaths?limit=100000", ApiJson.Default.DeathList).Deaths;
            if (all.Count == count || settle.Elapsed > TimeSpan.FromSeconds(60)) break;
            count = all.Count;
            Thread.Sleep(2000);
        }
        double settled = settle.Elapsed.TotalSeconds - 2;

        var records = all
            .GroupBy(r => r.Pid).ToDictionary(g => g.Key, g => g.OrderBy(r => r.EndedAt).ToList());
        int missed = 0, wrong = 0;
        int self = Environment.ProcessId;
        foreach (var k in sent)
        {
            var r = records.TryGetValue(k.Pid, out var list) ? list.FirstOrDefault(x => x.EndedAt >= k.At.AddMilliseconds(-5)) : null;
            if (r is null) { missed++; continue; }
            list!.Remove(r);
            bool right = r.Status == k.Signal && (tracing ? r.Cause == "signal" && r.Sender?.Pid == self : r.Cause == "unknown");
            if (!right) wrong++;
        }
        double cpuPct = (cpu1 - cpu0) / 100.0 / seconds * 100;
        Console.WriteLine($"kill-storm ({(tracing ? "attribution on" : "attribution off: --no-tracing")}): {sent.Count} kills in {seconds:F1} s over {services} services; missed {missed}, wrong {wrong}; records complete {Math.Max(0, settled):F1} s after the storm; daemon CPU {cpuPct:F1}% of one core");
    }
}
