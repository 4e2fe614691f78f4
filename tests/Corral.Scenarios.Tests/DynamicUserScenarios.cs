using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// #19 item 3: DynamicUser= and RemoveIPC=, seen from inside the service and on the host. The
/// service runs as a uid lent from 61184–65519 that no account and no file of the host has; its
/// state lives in /var/lib/private (reached through a link), its own after the run; the System V
/// and POSIX IPC objects it leaves are removed once nothing of its user runs. Names are this test's
/// own (removed at the end, also on failure).
/// </summary>
public sealed class DynamicUserScenarios : Scenario
{
    private readonly string _name = $"corral-dyn-{Guid.NewGuid():N}"[..20];
    private readonly bool _privateExisted = Directory.Exists("/var/lib/private");

    private string Calls(params string[] calls) => $"{Repo.Workload} calls {string.Join(' ', calls)}";

    private List<string> Output(string unit) =>
        F.Cli("logs", unit).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 5)[4]).ToList();

    // The uid the test's services ran as: what they may have left is removed at the end, also on failure.
    private int? _uid;

    private int Uid(List<string> output)
    {
        int uid = int.Parse(output.First(l => l.StartsWith("ids ")).Split(' ')[1]);
        _uid = uid;
        return uid;
    }

    private static bool HasIpcOf(int uid)
    {
        foreach (var table in new[] { "shm", "msg", "sem" })
        {
            var lines = File.ReadAllLines($"/proc/sysvipc/{table}");
            var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int at = Array.IndexOf(header, "uid");
            if (lines.Skip(1).Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[at] == uid.ToString())) return true;
        }
        return false;
    }

    [Fact]
    public void A_dynamic_user_is_lent_for_the_run_owns_its_private_state_and_leaves_no_IPC_behind()
    {
        string state = $"/var/lib/{_name}", shm = $"/dev/shm/{_name}";
        F.WriteUnit("dyn", $"[Service]\nType=oneshot\nDynamicUser=yes\nStateDirectory={_name}\n" +
            $"ExecStart={Calls("ids", "shm-sysv", "msg-sysv", "sem-sysv", $"shm-posix:/{_name}", $"write:{state}/data", $"write:/etc/{_name}")}\n");
        F.Start();
        var start = F.Cli("start", "dyn");
        Assert.True(start.ExitCode == 0, start.ToString());

        var output = Output("dyn");
        int uid = Uid(output);
        Assert.InRange(uid, 61184, 65519);
        Assert.Equal($"ids {uid} {uid}", output[0]);
        Assert.DoesNotContain(File.ReadAllLines("/etc/passwd"), l => l.Split(':')[2] == uid.ToString());
        Assert.DoesNotContain(File.ReadAllLines("/etc/group"), l => l.Split(':')[2] == uid.ToString());
        Assert.Contains($"write:{state}/data ok", output);
        // DynamicUser= implies ProtectSystem=strict: nothing but its own directories is writable.
        Assert.Contains($"write:/etc/{_name} EROFS", output);

        // The state is in /var/lib/private (root's, 0700), reached through a link, and the uid's.
        Assert.Equal($"private/{_name}", new FileInfo(state).LinkTarget);
        Assert.Equal("root root 700", Stat("/var/lib/private"));
        Assert.Equal($"{uid} {uid} 600", Programs.Output("/usr/bin/stat", "-c", "%u %g %a", $"/var/lib/private/{_name}/data").Trim());

        // Nothing of the user runs: its IPC objects are gone (RemoveIPC=, implied), the uid is given back.
        Wait.Until(() => !HasIpcOf(uid) && !File.Exists(shm), TimeSpan.FromSeconds(10), "the dynamic user's IPC objects to be removed");
        Assert.False(File.Exists(Path.Combine(F.Dir, "state", "dynamic-uid", uid.ToString())), "the uid is still lent");

        // No file of the host belongs to the uid but the service's own.
        var (_, found, _) = Programs.Run("/usr/bin/find", "/etc", "/usr", "/var", "/srv", "/opt", "/home", "/root", "-xdev", "-uid", uid.ToString(),
            "-not", "-path", $"/var/lib/private/{_name}*");
        Assert.Equal("", found.Trim());

        // The next run gets the same uid (the name's hash), so its state stays its own.
        Assert.Equal(0, F.Cli("start", "dyn").ExitCode);
        Assert.Equal(uid, Uid(Output("dyn").Skip(output.Count).ToList()));
        Wait.Until(() => !HasIpcOf(uid) && !File.Exists(shm), TimeSpan.FromSeconds(10), "the second run's IPC objects to be removed");

        // corral security: the user check is good as systemd scores it and as Corral runs it.
        string security = F.Cli("security", "dyn").Stdout;
        Assert.Matches(@"✓ User=/DynamicUser=\s+runs as a transient user of its own\n", security);
    }

    [Fact]
    public void IPC_objects_stay_while_another_service_of_the_same_user_runs()
    {
        string shm = $"/dev/shm/{_name}";
        // Two units share one dynamic user (User= names it): the objects go with the last of them.
        F.WriteUnit("keeper", $"[Service]\nDynamicUser=yes\nUser={_name}\nExecStart=/bin/sleep 600\n");
        F.WriteUnit("maker", $"[Service]\nType=oneshot\nDynamicUser=yes\nUser={_name}\nExecStart={Calls("ids", $"shm-posix:/{_name}", "shm-sysv")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "keeper").ExitCode);
        Assert.Equal(0, F.Cli("start", "maker").ExitCode);
        int uid = Uid(Output("maker"));
        Assert.Equal(uid, int.Parse(Programs.Output("/usr/bin/stat", "-c", "%u", $"/proc/{F.Prop("keeper", "MainPID")}").Trim()));
        Thread.Sleep(300); // the maker's run is over and released; keeper still runs as the user
        Assert.True(File.Exists(shm) && HasIpcOf(uid), "an IPC object was removed while another service of the user ran");

        Assert.Equal(0, F.Cli("stop", "keeper").ExitCode);
        Wait.Until(() => !HasIpcOf(uid) && !File.Exists(shm), TimeSpan.FromSeconds(10), "the IPC objects to go with the last service of the user");
    }

    [Fact]
    public void A_file_in_the_way_of_the_link_fails_the_start_by_name()
    {
        string state = $"/var/lib/{_name}";
        File.WriteAllText(state, "not a directory");
        F.WriteUnit("blocked", $"[Service]\nType=oneshot\nDynamicUser=yes\nStateDirectory={_name}\nExecStart=/bin/true\n");
        F.Start();
        var start = F.Cli("start", "blocked");
        Assert.NotEqual(0, start.ExitCode);
        Assert.Contains($"StateDirectory={_name}: {state} is in the way of the link to /var/lib/private/{_name} (DynamicUser=yes)", start.Stderr);
        Assert.Equal("not a directory", File.ReadAllText(state));
    }

    private static string Stat(string path) => Programs.Output("/usr/bin/stat", "-c", "%U %G %a", path).Trim();

    protected override void Cleanup()
    {
        if (_uid is >= 61184 and <= 65519) Corral.Linux.IpcObjects.RemoveOf(_uid.Value);
        foreach (var path in new[] { $"/var/lib/{_name}", $"/dev/shm/{_name}", $"/etc/{_name}" })
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || info.Exists) File.Delete(path);
        }
        if (Directory.Exists($"/var/lib/private/{_name}")) Directory.Delete($"/var/lib/private/{_name}", recursive: true);
        if (!_privateExisted && Directory.Exists("/var/lib/private") && !Directory.EnumerateFileSystemEntries("/var/lib/private").Any())
            Directory.Delete("/var/lib/private");
    }
}
