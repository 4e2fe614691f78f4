using System.Diagnostics;
using System.Text;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>
/// `corral init` as PID 1 of a new pid and mount namespace (`unshare --pid --fork --mount-proc`),
/// with the fixture's cgroup root, socket and state directory: its output read as it comes, its
/// exit code, its pid as this machine sees it (to signal it). Disposing kills what is left (SIGKILL
/// to a namespace's init ends every process in it).
/// </summary>
public sealed class InitRun : IDisposable
{
    private readonly Process _unshare;
    private readonly StringBuilder _stdout = new(), _stderr = new();

    /// <param name="wrapper">programs between unshare and corral (setpriv …), each exec'ing the next</param>
    /// <param name="pidNamespace">false: no namespace (unshare with none execs the rest at once): corral init is a subreaper, not PID 1</param>
    public InitRun(DaemonFixture f, string[] initArgs, string[] command, string[]? wrapper = null, bool pidNamespace = true)
    {
        TerminationLog = Path.Combine(f.Dir, "termination-log");
        var psi = new ProcessStartInfo("/usr/bin/unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[.. pidNamespace ? ["--pid", "--fork", "--mount-proc"] : Array.Empty<string>(), .. wrapper ?? [], Repo.Corral, "init",
                     "--cgroup-root", f.CgroupRoot, "--socket", f.Socket, "--state-dir", Path.Combine(f.Dir, "state"), "--termination-log", TerminationLog,
                     .. initArgs, "--", .. command])
            psi.ArgumentList.Add(a);
        psi.Environment["TMPDIR"] = f.Dir;
        _unshare = Process.Start(psi)!;
        _inNamespace = pidNamespace;
        _unshare.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.Append(e.Data).Append('\n'); };
        _unshare.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.Append(e.Data).Append('\n'); };
        _unshare.BeginOutputReadLine();
        _unshare.BeginErrorReadLine();
    }

    public string TerminationLog { get; }

    public string Stdout
    {
        get { lock (_stdout) return _stdout.ToString(); }
    }

    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    private readonly bool _inNamespace;

    /// <summary>The init's pid on this machine: unshare's one child (or unshare's own pid, which execs it, without a namespace).</summary>
    public int InitPid
    {
        get
        {
            if (!_inNamespace) return _unshare.Id;
            int pid = 0;
            Wait.Until(() => int.TryParse(File.ReadAllText($"/proc/{_unshare.Id}/task/{_unshare.Id}/children").Trim().Split(' ')[0], out pid), TimeSpan.FromSeconds(10), "unshare's child");
            return pid;
        }
    }

    /// <summary>Waits until the command's output (the init's stdout: its own lines go to stderr) has a line that is <paramref name="line"/>.</summary>
    public void WaitFor(string line, int seconds = 20)
    {
        Wait.Until(() => ("\n" + Stdout).Contains("\n" + line + "\n") || _unshare.HasExited, TimeSpan.FromSeconds(seconds), $"the line '{line}' from the command");
        Assert.False(_unshare.HasExited, $"corral init exited before the command said '{line}': {Stdout}{Stderr}");
    }

    /// <summary>The init's exit code (unshare exits with its child's), once it exited on its own within 60 s.</summary>
    public int WaitForExit()
    {
        if (!_unshare.WaitForExit(TimeSpan.FromSeconds(60))) throw new TimeoutException($"corral init did not exit: {Stderr}");
        _unshare.WaitForExit();
        return _unshare.ExitCode;
    }

    public void Dispose()
    {
        if (!_unshare.HasExited)
        {
            try { Corral.Linux.Signaller.TryKill(InitPid, 9); } catch (TimeoutException) { }
            if (!_unshare.WaitForExit(TimeSpan.FromSeconds(10))) _unshare.Kill();
        }
        _unshare.Dispose();
    }
}
