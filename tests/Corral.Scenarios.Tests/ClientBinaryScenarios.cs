using System.Diagnostics;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// `corral` is the client binary (the daemon's code left out, issue #16); `corral daemon` execs
/// `corral-daemon` beside it, in the same process.
/// </summary>
public sealed class ClientBinaryScenarios : Scenario
{
    private static string Client => new FileInfo(Repo.Corral).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Repo.Corral;

    [Fact]
    public void Corral_daemon_runs_as_corral_daemon_in_the_same_process_and_the_client_holds_no_daemon()
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        // The pid the test started as `corral daemon` is the daemon: the exec kept it.
        Assert.Equal("corral-daemon", File.ReadAllText($"/proc/{F.DaemonPid}/comm").Trim());
        Assert.Equal(F.DaemonPid, Linux.FileLock.HolderOf(F.Socket + ".lock"));
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        Assert.Equal("active", F.Prop("web", "ActiveState"));
        // The compiler left the daemon out of the client: a third smaller (4.9 MB against 7.9 MB when measured).
        long client = new FileInfo(Client).Length, daemon = new FileInfo(Path.Combine(Path.GetDirectoryName(Client)!, "corral-daemon")).Length;
        Assert.True(client < daemon * 3 / 4, $"the client is {client} bytes, the daemon {daemon}");
    }

    [Fact]
    public void Without_corral_daemon_beside_it_the_client_says_what_is_missing_and_runs_nothing()
    {
        string lone = Path.Combine(F.Dir, "lone");
        Directory.CreateDirectory(lone);
        File.Copy(Client, Path.Combine(lone, "corral"));
        File.SetUnixFileMode(Path.Combine(lone, "corral"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var psi = new ProcessStartInfo(Path.Combine(lone, "corral")) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "daemon", "--units", F.UnitDir, "--socket", F.Socket, "--cgroup-root", F.CgroupRoot }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(30)), "the client ran on");
        Assert.Equal(1, p.ExitCode);
        Assert.Contains($"cannot run {Path.Combine(lone, "corral-daemon")}", err);
        Assert.Contains("No such file or directory", err);
        Assert.False(File.Exists(F.Socket));
        // The daemon verb is the only one that needs it: the client's own verbs work alone.
        var help = Process.Start(new ProcessStartInfo(Path.Combine(lone, "corral"), "help") { RedirectStandardOutput = true, UseShellExecute = false })!;
        Assert.Contains("daemon", help.StandardOutput.ReadToEnd());
        help.WaitForExit();
        Assert.Equal(0, help.ExitCode);
    }
}
