using System.Diagnostics;

namespace Corral.Bench;

/// <summary>
/// Issue #19: what the sandbox costs a start. A oneshot /bin/true started again and again, bare and
/// with the hardening Debian's redis-server unit asks for (a read-only system, private /tmp, /dev,
/// network, IPC and host name, hidden homes, kernel protections, no-exec but for /usr, no
/// capability, no new privileges), the same without a network namespace, and redis's system-call
/// filter alone, interleaved in the same run: `start` returns when the
/// run is over, so each figure holds the spawn, the sandbox's making, the exec, the exit and the
/// sandbox's removal.
/// </summary>
internal static class SandboxBenchmarks
{
    private const string Hardening =
        "ProtectSystem=strict\nPrivateTmp=yes\nPrivateDevices=yes\nProtectHome=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes\n" +
        "ProtectKernelLogs=yes\nProtectControlGroups=yes\nProtectHostname=yes\nProtectProc=invisible\nPrivateNetwork=yes\nPrivateIPC=yes\n" +
        "NoExecPaths=/\nExecPaths=/usr\nCapabilityBoundingSet=\nNoNewPrivileges=yes\nReadWritePaths=-/var/lib/corral-bench\n";

    public static void StartBareAndSandboxed(string repo, int runs)
    {
        using var d = new BenchDaemon(repo, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "bare.service"), "[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart=/bin/true\n");
            File.WriteAllText(Path.Combine(dir, "boxed.service"), $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart=/bin/true\n{Hardening}");
            // The same without PrivateNetwork=: a network namespace is the dearest step (the kernel's).
            File.WriteAllText(Path.Combine(dir, "viewonly.service"),
                $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart=/bin/true\n{Hardening.Replace("PrivateNetwork=yes\n", "")}");
            // The filter alone: redis's SystemCallFilter= lines and the argument rules, no namespace.
            File.WriteAllText(Path.Combine(dir, "filtered.service"),
                "[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart=/bin/true\nSystemCallFilter=@system-service\n" +
                "SystemCallFilter=~@privileged @resources\nSystemCallArchitectures=native\nRestrictNamespaces=yes\nMemoryDenyWriteExecute=yes\n" +
                "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\nLockPersonality=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\n");
            // A user namespace alone (PrivateUsers=): the executor forks a helper that writes the maps.
            File.WriteAllText(Path.Combine(dir, "users.service"),
                "[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart=/bin/true\nUser=nobody\nPrivateUsers=yes\n");
            File.WriteAllText(Path.Combine(dir, "nobody.service"),
                "[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=oneshot\nExecStart=/bin/true\nUser=nobody\n");
        }, ["--no-default-target"]);
        var units = new[] { "bare", "boxed", "viewonly", "filtered", "nobody", "users" };
        var times = units.ToDictionary(u => u, _ => new List<double>());
        for (int r = 0; r < 3; r++) foreach (var u in units) d.Post(u, "start"); // warm
        for (int r = 0; r < runs; r++)
            foreach (var u in units) times[u].Add(Time(d, u));
        double b = Stats.Median(times["bare"]), s = Stats.Median(times["boxed"]), v = Stats.Median(times["viewonly"]), f = Stats.Median(times["filtered"]);
        double n = Stats.Median(times["nobody"]), pu = Stats.Median(times["users"]);
        Console.WriteLine($"sandbox-start: oneshot /bin/true start to end ({runs} runs each, interleaved), bare median {Stats.Ms(b)} ms; " +
            $"with redis's hardening median {Stats.Ms(s)} ms (+{Stats.Ms(s - b)}); the same without PrivateNetwork= median {Stats.Ms(v)} ms (+{Stats.Ms(v - b)}); " +
            $"redis's system-call filter alone median {Stats.Ms(f)} ms (+{Stats.Ms(f - b)}); " +
            $"User=nobody median {Stats.Ms(n)} ms, with PrivateUsers= median {Stats.Ms(pu)} ms (+{Stats.Ms(pu - n)})");
    }

    private static double Time(BenchDaemon d, string unit)
    {
        var sw = Stopwatch.StartNew();
        d.Post(unit, "start");
        return sw.Elapsed.TotalMilliseconds;
    }
}
