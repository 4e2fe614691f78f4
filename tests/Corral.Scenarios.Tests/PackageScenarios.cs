using System.Diagnostics;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Issue #17, item 4: `./package.sh` makes a .deb that installs with apt-get, runs from where it
/// installs (the client, the daemon it execs, the executor and SQLite found beside each other), and
/// goes away with everything it brought. The install is machine-wide: the test refuses to run where a
/// corral package or /usr/bin/corral is there already, and purges what it installed, also on failure.
/// </summary>
public sealed class PackageScenarios : Scenario
{
    [Fact]
    public void The_package_installs_with_apt_get_runs_its_daemon_completes_and_purges_cleanly()
    {
        Assert.False(File.Exists("/usr/bin/corral") || Run("dpkg-query", "-W", "-f=${Status}", "corral").Output.Contains("installed"),
            "a corral package or /usr/bin/corral is already on this machine: this test installs one and removes it, and replaces nobody's");
        var (built, output, said) = Run(Path.Combine(Repo.Root, "package.sh"));
        Assert.True(built == 0, $"package.sh failed ({built}): {output}{said}");
        string deb = output.Trim(); // its one line of output: the .deb's path
        string version = Path.GetFileName(deb).Split('_')[1];
        try
        {
            var install = AptGet("install", "-y", "-q", "--no-install-recommends", deb);
            Assert.True(install.Code == 0, $"apt-get install: {install.Output}{install.Stderr}");

            var v = Run("/usr/bin/corral", "--version");
            Assert.StartsWith($"corral {version.Split("+git")[0]}+{version.Split("+git")[1]}", v.Output);
            foreach (var path in new[] { "/usr/lib/corral/corral-daemon", "/usr/lib/corral/corral-exec", "/usr/lib/corral/libe_sqlite3.so",
                         "/lib/systemd/system/corral.service", "/usr/share/bash-completion/completions/corral" })
                Assert.True(File.Exists(path), path);
            Assert.True(Directory.Exists("/etc/corral/units"));
            foreach (var (page, th) in new[] { ("/usr/share/man/man1/corral.1.gz", ".TH CORRAL 1"), ("/usr/share/man/man5/corral.unit.5.gz", ".TH CORRAL.UNIT 5") })
                Assert.StartsWith(th, Run("/bin/sh", "-c", $"zcat {page} | head -1").Output);
            // With the binary in place, the shipped unit verifies as installed.
            var verify = Run("/usr/bin/systemd-analyze", "verify", "--man=no", "/lib/systemd/system/corral.service");
            Assert.True(verify.Code == 0 && (verify.Output + verify.Stderr).Trim().Length == 0, $"systemd-analyze verify: {verify.Output}{verify.Stderr}");

            // The installed daemon runs a service (on this test's socket, state and cgroup root).
            F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
            var psi = new ProcessStartInfo("/usr/bin/corral") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "daemon", "--units", F.UnitDir, "--socket", F.Socket, "--state-dir", Path.Combine(F.Dir, "state"), "--log-dir", F.LogDir, "--cgroup-root", F.CgroupRoot, "--no-default-target" })
                psi.ArgumentList.Add(a);
            psi.Environment["TMPDIR"] = F.Dir;
            using (var daemon = Process.Start(psi)!)
            {
                daemon.OutputDataReceived += (_, _) => { };
                var daemonSaid = new System.Collections.Concurrent.ConcurrentQueue<string>();
                daemon.ErrorDataReceived += (_, e) => { if (e.Data is not null) daemonSaid.Enqueue(e.Data); };
                daemon.BeginOutputReadLine();
                daemon.BeginErrorReadLine();
                try
                {
                    Wait.Until(() => Run("/usr/bin/corral", "--socket", F.Socket, "list").Code == 0, TimeSpan.FromSeconds(20), "the installed daemon to answer");
                    Assert.Equal(0, Run("/usr/bin/corral", "--socket", F.Socket, "start", "web").Code);
                    Assert.Contains("active (running)", Run("/usr/bin/corral", "--socket", F.Socket, "status", "web").Output);
                    Assert.Equal("/usr/lib/corral/corral-daemon", new FileInfo($"/proc/{daemon.Id}/exe").LinkTarget);

                    // Completion: the verbs, then the daemon's units, on the socket named on the line.
                    string Complete(string words, int cword) => Run("/bin/bash", "-c",
                        $"source /usr/share/bash-completion/completions/corral; COMP_WORDS=({words}); COMP_CWORD={cword}; _corral; echo \"${{COMPREPLY[*]}}\"").Output;
                    Assert.Equal(["start", "status", "stop"], Complete($"corral --socket {F.Socket} st", 3).Split(' ', StringSplitOptions.TrimEntries).Order());
                    Assert.Contains("web.service", Complete($"corral --socket {F.Socket} status ''", 4).Split(' ', StringSplitOptions.TrimEntries));

                    // An upgrade (here the same package again: dpkg replaces every file) re-executes the
                    // running daemon from the new binary: same process, same service, nothing restarted.
                    string web = Run("/usr/bin/corral", "--socket", F.Socket, "show", "web", "-p", "MainPID", "--value").Output.Trim();
                    var upgrade = Run("/usr/bin/env", $"CORRAL_SOCKET={F.Socket}", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--reinstall", deb);
                    Assert.True(upgrade.Code == 0, $"apt-get install --reinstall: {upgrade.Output}{upgrade.Stderr}");
                    Assert.False(daemon.HasExited);
                    Assert.Contains(daemonSaid, l => l.StartsWith("corral: re-executing /usr/lib/corral/corral-daemon ", StringComparison.Ordinal));
                    // Not "/usr/lib/corral/corral-daemon (deleted)": the process runs the file now installed.
                    Assert.Equal("/usr/lib/corral/corral-daemon", new FileInfo($"/proc/{daemon.Id}/exe").LinkTarget);
                    Assert.Equal(web, Run("/usr/bin/corral", "--socket", F.Socket, "show", "web", "-p", "MainPID", "--value").Output.Trim());
                    Assert.Contains("active (running)", Run("/usr/bin/corral", "--socket", F.Socket, "status", "web").Output);
                }
                finally
                {
                    Corral.Linux.Signaller.TryKill(daemon.Id, 15);
                    daemon.WaitForExit(30_000);
                }
            }
        }
        finally
        {
            AptGet("purge", "-y", "-q", "corral");
            File.Delete(deb);
        }
        foreach (var path in new[] { "/usr/bin/corral", "/usr/lib/corral", "/lib/systemd/system/corral.service", "/usr/share/man/man1/corral.1.gz" })
            Assert.False(File.Exists(path) || Directory.Exists(path), $"{path} is left after the purge");
    }

    private static (int Code, string Output, string Stderr) Run(string program, params string[] args) => Programs.Run(program, args);

    /// <summary>apt-get without questions.</summary>
    private static (int Code, string Output, string Stderr) AptGet(params string[] args) => Programs.Run("/usr/bin/env", ["DEBIAN_FRONTEND=noninteractive", "apt-get", .. args]);
}
