using System.Diagnostics;
using Corral.Linux.Cgroups;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>
/// A real daemon for one test: its own temp dir, socket, state dir, unit dir and cgroup root.
/// Dispose stops it with SIGTERM and then removes everything that is left, also after a failure:
/// workload processes (by pid and start time), service cgroups (cgroup.kill, then rmdir), files.
/// </summary>
public sealed class DaemonFixture : IDisposable
{
    private Process? _daemon;

    public DaemonFixture(string name)
    {
        Dir = Directory.CreateTempSubdirectory($"corral-{name}-").FullName;
        // Services running as another user (User=nobody) must reach the files the test gives them.
        File.SetUnixFileMode(Dir, (UnixFileMode)0x1ed);
        UnitDir = Directory.CreateDirectory(Path.Combine(Dir, "units")).FullName;
        PidsDir = Directory.CreateDirectory(Path.Combine(Dir, "pids")).FullName;
        // Workloads may run as nobody (User=): they record themselves and log signals all the same.
        File.SetUnixFileMode(PidsDir, (UnixFileMode)0x1ff);
        File.WriteAllText(SignalLog, "");
        File.SetUnixFileMode(SignalLog, (UnixFileMode)0x1b6);
        Socket = Path.Combine(Dir, "corral.sock");
        Layout = CgroupLayout.Detect();
        CgroupRoot = Path.Combine(Layout.UnifiedMount, $"corral-test-{name}-{Environment.ProcessId}-{Random.Shared.Next(100000)}");
        Cgroups = CgroupManagerFactory.Create(CgroupRoot, Layout);
    }

    public string Dir { get; }
    public string UnitDir { get; }
    public string PidsDir { get; }
    public string Socket { get; }
    public string CgroupRoot { get; }
    public CgroupLayout Layout { get; }
    public ICgroupManager Cgroups { get; }
    public string SignalLog => Path.Combine(Dir, "signals.log");
    public string DaemonLog => Path.Combine(Dir, "daemon.log");
    /// <summary>The services' output logs (--log-dir).</summary>
    public string LogDir => Path.Combine(Dir, "logs");

    /// <summary>The workload command line with this fixture's pid directory and signal log.</summary>
    public string Workload(string args) => $"{Repo.Workload} --pids {PidsDir} --log {SignalLog} {args}";

    public void WriteUnit(string name, string body) =>
        File.WriteAllText(Path.Combine(UnitDir, name.EndsWith(".service") || name.EndsWith(".target") || name.EndsWith(".timer") || name.EndsWith(".socket") ? name : name + ".service"), body);

    public void Start(params string[] extraArgs) => StartUnder([], extraArgs);

    /// <summary>Starts the daemon through a prefix that execs it (prlimit …, sh -c '… exec "$@"'), so its pid is the daemon's.</summary>
    public void StartUnder(string[] prefix, params string[] extraArgs)
    {
        var psi = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : Repo.Corral)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (prefix.Length > 0)
        {
            foreach (var a in prefix[1..]) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(Repo.Corral);
        }
        foreach (var a in new[] { "daemon", "--units", UnitDir, "--socket", Socket, "--state-dir", Path.Combine(Dir, "state"), "--log-dir", LogDir, "--cgroup-root", CgroupRoot })
            psi.ArgumentList.Add(a);
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        // The .NET runtime makes its diagnostic pipes in TMPDIR and removes them at exit, but not
        // after a SIGKILL (KillDaemon): here they go with the test's directory.
        psi.Environment["TMPDIR"] = Dir;
        _daemon = Process.Start(psi)!;
        var log = new StreamWriter(DaemonLog) { AutoFlush = true };
        _daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _daemon.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _daemon.BeginErrorReadLine();
        _daemon.BeginOutputReadLine();
        Wait.Until(() => File.Exists(Socket) || _daemon.HasExited, TimeSpan.FromSeconds(20), "the daemon's socket");
        if (_daemon.HasExited) throw new InvalidOperationException($"daemon exited with {_daemon.ExitCode}: {File.ReadAllText(DaemonLog)}");
        // The socket appears just before the daemon says it is ready; its stderr reaches the log
        // through this process's reader, which may lag: a test that reads the start-up lines finds
        // them there. A daemon whose stderr goes elsewhere (a prefix redirects it) writes no such
        // line: after 5 s the test goes on without it.
        var end = DateTime.UtcNow.AddSeconds(5);
        while (!_daemon.HasExited && !File.ReadAllText(DaemonLog).Contains("corral: daemon ready on ") && DateTime.UtcNow < end) Thread.Sleep(5);
    }

    public int DaemonPid => _daemon!.Id;

    /// <summary>`corral daemon` with this fixture's paths and more arguments, expected to refuse and exit: its exit code and output.</summary>
    public CliResult RunDaemonToExit(params string[] extra) =>
        RunToExit(["daemon", "--units", UnitDir, "--socket", Socket, "--state-dir", Path.Combine(Dir, "state"), "--log-dir", LogDir, "--cgroup-root", CgroupRoot, .. extra]);

    /// <summary>`corral` with these arguments, run to its end (30 s at most, else the test fails); for a daemon that must refuse to start.</summary>
    public CliResult RunToExit(params string[] args)
    {
        var psi = new ProcessStartInfo(Repo.Corral) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = Dir;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            Corral.Linux.Signaller.TryKill(p.Id, 15);
            p.WaitForExit();
            Assert.Fail($"corral {string.Join(' ', args)} ran on instead of refusing");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result, TimeSpan.Zero);
    }

    /// <summary>Waits for the daemon to exit on its own (after a SIGTERM) and returns its exit code.</summary>
    public int WaitForDaemonExit()
    {
        if (!_daemon!.WaitForExit(TimeSpan.FromSeconds(30))) throw new TimeoutException("the daemon did not exit");
        _daemon.WaitForExit(); // and its output is read to the end
        return _daemon.ExitCode;
    }

    /// <summary>SIGKILL to the daemon (W6-style): it cannot clean up; its services keep running.</summary>
    public void KillDaemon()
    {
        _daemon!.Kill();
        _daemon.WaitForExit();
        _daemon.Dispose();
        _daemon = null;
        File.Delete(Socket);
    }

    public CliResult Cli(params string[] args) => CliWithTimeout(TimeSpan.FromSeconds(60), args);

    public CliResult CliWithTimeout(TimeSpan limit, params string[] args) => CliAs(limit, [], args);

    /// <summary>The CLI run through a prefix such as setpriv (another user), against this daemon's socket.</summary>
    public CliResult CliAs(TimeSpan limit, string[] prefix, params string[] args) => RunCli(limit, prefix, args, diagnose: true);

    private CliResult RunCli(TimeSpan limit, string[] prefix, string[] args, bool diagnose)
    {
        var psi = new ProcessStartInfo(prefix.Length > 0 ? prefix[0] : Repo.Corral) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (prefix.Length > 0)
        {
            foreach (var a in prefix[1..]) psi.ArgumentList.Add(a);
            psi.ArgumentList.Add(Repo.Corral);
        }
        psi.ArgumentList.Add("--socket");
        psi.ArgumentList.Add(Socket);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill();
            throw new TimeoutException($"corral {string.Join(' ', args)} did not finish within {limit}{(diagnose ? "\n" + Diagnose() : "")}");
        }
        p.WaitForExit();
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result, sw.Elapsed);
    }

    /// <summary>
    /// What a hung request leaves to read (the test's directory goes with the test): the daemon's
    /// jobs and units as it answers now (10 s at most each), and the end of its log.
    /// </summary>
    private string Diagnose()
    {
        var text = new System.Text.StringBuilder();
        foreach (var verb in new[] { "list-jobs", "list" })
        {
            try
            {
                var r = RunCli(TimeSpan.FromSeconds(10), [], [verb], diagnose: false);
                text.Append($"--- corral {verb} (exit {r.ExitCode})\n{r.Stdout}{r.Stderr}");
            }
            catch (TimeoutException) { text.Append($"--- corral {verb}: no answer within 10 s either\n"); }
        }
        if (File.Exists(DaemonLog))
            text.Append("--- the daemon's log, its end:\n").AppendJoin('\n', File.ReadAllLines(DaemonLog).TakeLast(60));
        return text.ToString();
    }

    /// <summary>Sends raw bytes on the daemon's socket and returns the status and body (status 0 when the daemon just closed).</summary>
    public (int Status, string Body) SocketRequest(byte[] request)
    {
        using var s = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        s.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(Socket));
        try { s.Send(request); } catch (System.Net.Sockets.SocketException) { }
        s.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        using var ms = new MemoryStream();
        var buf = new byte[65536];
        int n;
        s.ReceiveTimeout = 10_000;
        while ((n = s.Receive(buf)) > 0) ms.Write(buf, 0, n);
        string text = System.Text.Encoding.UTF8.GetString(ms.ToArray());
        if (text.Length == 0) return (0, "");
        Assert.StartsWith("HTTP/1.1 ", text);
        return (int.Parse(text.AsSpan(9, 3)), text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }

    /// <summary>show -p NAME --value</summary>
    public string Prop(string unit, string name) => Cli("show", unit, "-p", name, "--value").Stdout.Trim();

    public ServiceCgroup CgroupOf(string unit) => Cgroups.For(unit.EndsWith(".service") ? unit : unit + ".service");

    public List<string> SignalLines() => File.Exists(SignalLog) ? File.ReadAllLines(SignalLog).ToList() : [];

    public void Dispose()
    {
        if (_daemon is { HasExited: false })
        {
            Corral.Linux.Signaller.TryKill(_daemon.Id, 15);
            if (!_daemon.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                _daemon.Kill();
                _daemon.WaitForExit();
            }
        }
        _daemon?.Dispose();
        CleanupProcessesAndCgroups();
        string instances = Path.Combine(Dir, "state", "tracefs", "instances");
        if (Directory.Exists(instances)) Corral.Linux.Tracing.SignalTracer.RemoveStaleInstances(instances);
        // A daemon killed before it could unmount leaves tracefs mounted in its state dir: never
        // delete into a live tracefs (its instances directory belongs to the whole machine).
        if (Mounts.DetachAllUnder(Dir))
            try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private void CleanupProcessesAndCgroups()
    {
        foreach (int pid in Survivors.Alive(PidsDir))
            Corral.Linux.Signaller.TryKill(pid, 9);
        Cgroups.KillAndRemoveAll(TimeSpan.FromSeconds(10));
    }
}
