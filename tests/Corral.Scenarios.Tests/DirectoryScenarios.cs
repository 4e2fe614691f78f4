using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// RuntimeDirectory= and its kin (issue #14, item 5) on the machine's real /run, /var/lib,
/// /var/cache, /var/log and /etc, under names only this test uses (removed at the end, also on
/// failure): made before the first command, owned by User=, named in the environment, the runtime
/// one removed at stop as RuntimeDirectoryPreserve= says; a symbolic link planted in place of one
/// fails the start instead of being followed.
/// </summary>
public sealed class DirectoryScenarios : Scenario
{
    private readonly string _name = $"corral-test-{Guid.NewGuid():N}"[..24];
    private readonly List<string> _made = [];

    private string Made(string path)
    {
        _made.Add(path);
        return path;
    }

    [Fact]
    public void Every_kind_is_made_before_ExecStartPre_owned_by_User_named_in_the_environment_and_only_the_runtime_one_goes_at_stop()
    {
        string run = Made($"/run/{_name}"), state = Made($"/var/lib/{_name}"), cache = Made($"/var/cache/{_name}"),
            logs = Made($"/var/log/{_name}"), conf = Made($"/etc/{_name}");
        string seen = Path.Combine(F.Dir, "seen");
        F.WriteUnit("dirs", $"[Service]\nUser=nobody\nGroup=nogroup\n" +
            $"RuntimeDirectory={_name} {_name}/sub\nRuntimeDirectoryMode=0750\nStateDirectory={_name}\nCacheDirectory={_name}\n" +
            $"LogsDirectory={_name}\nConfigurationDirectory={_name}\nStateDirectoryMode=0700\n" +
            // The pre-command sees the directories already there; run as root (+) to write the test's file.
            $"ExecStartPre=+/bin/sh -c 'ls -d {run}/sub {state} {cache} {logs} {conf} > {seen}'\n" +
            $"ExecStart={F.Workload("sleep")}\n");
        F.Start();

        var start = F.Cli("start", "dirs");

        Assert.True(start.ExitCode == 0, start.ToString());
        Assert.Equal(5, File.ReadAllLines(seen).Length);
        Assert.Equal("nobody nogroup 750", Stat(run));
        Assert.Equal("nobody nogroup 750", Stat($"{run}/sub"));
        Assert.Equal("nobody nogroup 700", Stat(state));
        Assert.Equal("nobody nogroup 755", Stat(cache));
        Assert.Equal("nobody nogroup 755", Stat(logs));
        Assert.Equal("root root 755", Stat(conf)); // configuration stays root's
        int main = int.Parse(F.Prop("dirs", "MainPID"));
        var env = File.ReadAllText($"/proc/{main}/environ").Split('\0');
        Assert.Contains($"RUNTIME_DIRECTORY={run}:{run}/sub", env);
        Assert.Contains($"STATE_DIRECTORY={state}", env);
        Assert.Contains($"CACHE_DIRECTORY={cache}", env);
        Assert.Contains($"LOGS_DIRECTORY={logs}", env);
        Assert.Contains($"CONFIGURATION_DIRECTORY={conf}", env);

        Assert.Equal(0, F.Cli("stop", "dirs").ExitCode);
        Assert.False(Directory.Exists(run), "the runtime directory stayed after stop");
        Assert.True(Directory.Exists(state) && Directory.Exists(cache) && Directory.Exists(logs) && Directory.Exists(conf));
    }

    [Theory]
    [InlineData("no", false)]
    [InlineData("restart", true)]
    public void RuntimeDirectoryPreserve_decides_whether_a_restart_keeps_what_the_service_left_there(string preserve, bool kept)
    {
        string run = Made($"/run/{_name}");
        F.WriteUnit("keep", $"[Service]\nRuntimeDirectory={_name}\nRuntimeDirectoryPreserve={preserve}\n" +
            $"ExecStart=/bin/sh -c 'test -e $RUNTIME_DIRECTORY/mark && echo found || echo fresh; touch $RUNTIME_DIRECTORY/mark; exec {F.Workload("sleep")}'\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "keep").ExitCode);
        Wait.Until(() => File.Exists($"{run}/mark"), TimeSpan.FromSeconds(10), "the service's mark");

        Assert.Equal(0, F.Cli("restart", "keep").ExitCode);
        Wait.Until(() => File.Exists($"{run}/mark"), TimeSpan.FromSeconds(10), "the mark of the second run");

        var lines = new List<string>();
        Wait.Until(() => (lines = F.Cli("logs", "keep").Stdout.Split('\n').Where(l => l.EndsWith("found") || l.EndsWith("fresh")).ToList()).Count == 2,
            TimeSpan.FromSeconds(10), "both runs to say what they found");
        Assert.EndsWith(kept ? "found" : "fresh", lines[1]);
        Assert.Equal(0, F.Cli("stop", "keep").ExitCode);
        Assert.False(Directory.Exists(run), "a stop (not a restart) removes it either way");
    }

    [Fact]
    public void A_symbolic_link_in_place_of_a_state_directory_fails_the_start_and_is_not_followed()
    {
        string target = Directory.CreateDirectory(Path.Combine(F.Dir, "not-yours")).FullName;
        string link = Made($"/var/lib/{_name}");
        File.CreateSymbolicLink(link, target);
        F.WriteUnit("planted", $"[Service]\nUser=nobody\nStateDirectory={_name}\nExecStart={F.Workload("sleep")}\n");
        F.Start();

        var start = F.Cli("start", "planted");

        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains($"StateDirectory={_name}: open (it is not a directory, or a symbolic link, which is never followed) {link}", start.Stderr);
        Assert.Equal("root root", string.Join(' ', Stat(target).Split(' ').Take(2)));
        Assert.Empty(Survivors.Recorded(F.PidsDir));
        Assert.Contains("symbolic link", F.Cli("status", "planted").Stdout);
    }

    private static string Stat(string path) => Programs.Output("/usr/bin/stat", "-c", "%U %G %a", path);

    protected override void Cleanup()
    {
        foreach (var path in _made)
        {
            var info = new DirectoryInfo(path);
            if (info.LinkTarget is not null) File.Delete(path);
            else if (info.Exists) info.Delete(recursive: true);
        }
    }
}
