using Corral.Linux.Cgroups;
using Corral.Linux.Procfs;

namespace Corral.Linux.Tests;

/// <summary>
/// CgroupV2Manager against a tree of plain files laid out as the kernel lays out a pure cgroup v2
/// host (issue #18): this machine is hybrid, so its own cgroupfs never exercises these paths. The
/// tree plays the kernel's part where a test needs it — the control files of a new cgroup, the
/// counters a test sets — and every write of the manager is read back as the kernel would take it.
/// </summary>
public sealed class CgroupV2ManagerTests : IDisposable
{
    private readonly string _mount = Directory.CreateTempSubdirectory("corral-fake-cgroup2-").FullName;
    private string Root => Path.Combine(_mount, "corral");

    /// <summary>What the kernel puts in a new cgroup of a pure-v2 host with memory and pids enabled above it.</summary>
    private static void MakeCgroup(string dir, string controllers = "memory pids", string procs = "")
    {
        Directory.CreateDirectory(dir);
        var files = new Dictionary<string, string>
        {
            ["cgroup.controllers"] = controllers + "\n",
            ["cgroup.subtree_control"] = "\n",
            ["cgroup.procs"] = procs,
            ["cgroup.threads"] = procs,
            ["cgroup.events"] = procs.Length > 0 ? "populated 1\nfrozen 0\n" : "populated 0\nfrozen 0\n",
            ["cgroup.kill"] = "",
            ["cgroup.freeze"] = "0\n",
        };
        if (controllers.Contains("memory"))
        {
            files["memory.max"] = "max\n";
            files["memory.current"] = "0\n";
            files["memory.peak"] = "0\n";
            files["memory.events"] = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n";
        }
        if (controllers.Contains("pids"))
        {
            files["pids.max"] = "max\n";
            files["pids.current"] = "0\n";
        }
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(dir, name), text);
    }

    private CgroupV2Manager Manager() => new(Root, new CgroupLayout(_mount, null, null));

    /// <summary>The manager on a root the kernel laid out with memory and pids delegated to it, set up as the daemon sets it up.</summary>
    private CgroupV2Manager ManagerOnItsRoot()
    {
        MakeCgroup(Root);
        var m = Manager();
        m.EnsureRoot();
        return m;
    }

    private string Read(params string[] path) => File.ReadAllText(Path.Combine([Root, .. path]));

    [Fact]
    public void The_root_hands_memory_and_pids_to_the_services_in_one_write()
    {
        var m = ManagerOnItsRoot();
        Assert.Equal("+memory +pids", Read("cgroup.subtree_control"));
        Assert.Empty(m.NotEnforced);
        Assert.Equal($"cgroup v2 under {Root}; MemoryMax= by memory, TasksMax= by pids", m.Describe());
    }

    [Fact]
    public void A_controller_the_parent_does_not_delegate_leaves_its_limit_unenforced_and_says_why()
    {
        MakeCgroup(Root, controllers: "pids");
        var m = Manager();
        m.EnsureRoot();
        Assert.Equal("+pids", Read("cgroup.subtree_control"));
        Assert.Equal($"no memory controller in {Root} (its cgroup.controllers: pids): the cgroup above it does not delegate memory", m.NotEnforced[CgroupLimit.Memory]);
        Assert.False(m.NotEnforced.ContainsKey(CgroupLimit.Tasks));

        MakeCgroup(Root, controllers: "");
        var none = Manager();
        none.EnsureRoot();
        Assert.Equal(2, none.NotEnforced.Count);
        Assert.Contains("(its cgroup.controllers: none)", none.NotEnforced[CgroupLimit.Tasks]);
        Assert.Equal("\n", Read("cgroup.subtree_control")); // nothing to enable, nothing written
    }

    [Fact]
    public void A_root_holding_other_processes_cannot_delegate_and_says_so()
    {
        MakeCgroup(Root, procs: "4242\n4243\n");
        var m = Manager();
        m.EnsureRoot();
        Assert.Equal("\n", Read("cgroup.subtree_control"));
        foreach (var limit in new[] { CgroupLimit.Memory, CgroupLimit.Tasks })
            Assert.Equal($"{Root} holds processes of its own (4242 4243), and cgroup v2 lets a cgroup hand controllers to its children only when it holds none; give --cgroup-root a cgroup of its own",
                m.NotEnforced[limit]);
    }

    [Fact]
    public void A_daemon_started_in_its_own_root_moves_itself_into_a_leaf_first()
    {
        MakeCgroup(Root, procs: $"{Environment.ProcessId}\n");
        // The kernel would make the leaf's files when it is created; the tree makes them beforehand.
        MakeCgroup(Path.Combine(Root, CgroupV2Manager.DaemonLeafName), controllers: "");
        var m = Manager();
        m.EnsureRoot();
        Assert.Equal($"{Environment.ProcessId}", Read(CgroupV2Manager.DaemonLeafName, "cgroup.procs"));
        Assert.Equal("+memory +pids", Read("cgroup.subtree_control"));
        Assert.Empty(m.NotEnforced);
        Assert.DoesNotContain(CgroupV2Manager.DaemonLeafName, m.UnitCgroupNames()); // never taken for a unit
    }

    [Fact]
    public void A_services_limits_go_to_its_own_memory_max_and_pids_max_and_back_to_max()
    {
        var m = ManagerOnItsRoot();
        MakeCgroup(Path.Combine(Root, "web.service"));
        var cg = m.Create("web", tasksMax: 64, memoryMax: 100UL << 20);
        Assert.Equal(Path.Combine(Root, "web.service"), cg.Path);
        Assert.Equal([Path.Combine(Root, "web.service")], cg.AllPaths());
        Assert.Equal("64", Read("web.service", "pids.max"));
        Assert.Equal("104857600", Read("web.service", "memory.max"));
        Assert.Equal(64UL, m.TasksLimit(cg));
        Assert.Equal(100UL << 20, m.MemoryLimit(cg));

        m.Create("web", tasksMax: null, memoryMax: null); // a new run without limits: lifted again
        Assert.Equal("max", Read("web.service", "pids.max"));
        Assert.Equal("max", Read("web.service", "memory.max"));
        Assert.Null(m.TasksLimit(cg));
        Assert.Null(m.MemoryLimit(cg));
        Assert.Equal(["web.service"], m.UnitCgroupNames());
    }

    [Fact]
    public void Without_the_controllers_files_a_service_still_gets_its_cgroup_and_no_limit_is_written()
    {
        MakeCgroup(Root, controllers: "");
        var m = Manager();
        m.EnsureRoot();
        var cg = m.Create("web", tasksMax: 64, memoryMax: 100UL << 20); // mkdir alone: no controller files
        Assert.True(Directory.Exists(cg.Path));
        Assert.False(File.Exists(Path.Combine(cg.Path, "memory.max")));
        Assert.Null(m.MemoryCurrent(cg));
        Assert.Null(m.OomKills(cg));
    }

    [Fact]
    public void Counters_are_read_from_their_v2_files()
    {
        var m = ManagerOnItsRoot();
        MakeCgroup(Path.Combine(Root, "web.service"), procs: "100\n101\n");
        var cg = m.For("web");
        string Dir(string file) => Path.Combine(cg.Path, file);
        File.WriteAllText(Dir("pids.current"), "7\n");
        File.WriteAllText(Dir("memory.current"), "123456\n");
        File.WriteAllText(Dir("memory.peak"), "999999\n");
        // oom_group_kill comes after oom_kill on newer kernels: it must not be taken for it.
        File.WriteAllText(Dir("memory.events"), "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 9\n");

        Assert.Equal(7UL, m.TasksCurrent(cg));
        Assert.Equal(123456UL, m.MemoryCurrent(cg));
        Assert.Equal(999999UL, m.MemoryPeak(cg));
        Assert.Equal(2UL, m.OomKills(cg));
        Assert.Equal([100, 101], m.ReadPids(cg));
        Assert.Equal(2, m.ThreadCount(cg));
        Assert.True(m.IsPopulated(cg));

        // Without the pids controller, the tasks are the cgroup's threads.
        File.Delete(Dir("pids.current"));
        Assert.Equal(2UL, m.TasksCurrent(cg));
    }

    [Fact]
    public void Kill_writes_1_to_cgroup_kill_and_only_service_directories_are_units()
    {
        var m = ManagerOnItsRoot();
        MakeCgroup(Path.Combine(Root, "web.service"), procs: "100\n");
        MakeCgroup(Path.Combine(Root, "corral-helpers"), procs: ""); // an older Corral's helpers' cgroup
        m.KillAll(m.For("web"));
        Assert.Equal("1", Read("web.service", "cgroup.kill"));
        Assert.Equal(["web.service"], m.UnitCgroupNames());
    }

    [Fact]
    public void Freeze_and_thaw_write_cgroup_freeze_and_the_state_is_read_from_it_and_cgroup_events()
    {
        var m = ManagerOnItsRoot();
        MakeCgroup(Path.Combine(Root, "web.service"), procs: "42\n");
        var cg = m.For("web");
        Assert.Equal("running", m.FreezerState(cg));

        m.SetFrozen(cg, true);
        Assert.Equal("1", Read("web.service", "cgroup.freeze"));
        Assert.Equal("freezing", m.FreezerState(cg)); // asked, but the kernel has not said "frozen 1" yet
        File.WriteAllText(Path.Combine(Root, "web.service", "cgroup.events"), "populated 1\nfrozen 1\n");
        Assert.Equal("frozen", m.FreezerState(cg));

        m.SetFrozen(cg, false);
        Assert.Equal("0", Read("web.service", "cgroup.freeze"));
        Assert.Equal("thawing", m.FreezerState(cg));
        File.WriteAllText(Path.Combine(Root, "web.service", "cgroup.events"), "populated 1\nfrozen 0\n");
        Assert.Equal("running", m.FreezerState(cg));

        // A kernel before 5.2 has no cgroup.freeze: the freeze is refused with why, the state is "running".
        File.Delete(Path.Combine(Root, "web.service", "cgroup.freeze"));
        var e = Assert.Throws<CgroupException>(() => m.SetFrozen(cg, true));
        Assert.Contains("cgroup.freeze does not exist (the cgroup v2 freezer needs Linux 5.2 or later)", e.Message);
        Assert.Equal("running", m.FreezerState(cg));
    }

    [Theory]
    [InlineData("pure-v2", typeof(CgroupV2Manager), false)]
    [InlineData("hybrid", typeof(HybridCgroupManager), false)]
    [InlineData("hybrid", typeof(CgroupV2Manager), true)]
    public void The_manager_is_chosen_from_the_mounts(string host, Type expected, bool unifiedOnly)
    {
        var layout = CgroupLayout.FromMountInfo(MountInfo.ParseAll(host == "hybrid" ? MountInfoTests.Hybrid : MountInfoTests.PureV2));
        Assert.IsType(expected, CgroupManagerFactory.Create(null, layout, unifiedOnly));
        Assert.Equal(Path.Combine(layout.UnifiedMount, "corral"), CgroupManagerFactory.Create(null, layout, unifiedOnly).Root);
    }

    [Fact]
    public void A_task_listed_as_0_is_no_process_to_act_on()
    {
        // What cgroup.procs said while a stop killed 1 500 processes at once: a task already past
        // the point where its pid is let go is listed as 0 (so is a task of another pid namespace).
        // A signal pass that took it for a pid was refused ("refusing to signal pid 0") and failed the stop.
        Assert.Equal([4021, 4022], CgroupFile.ParsePids("4021\n0\n4022\n\n-3\n+7\n"));
        var m = ManagerOnItsRoot();
        MakeCgroup(Path.Combine(Root, "web.service"), procs: "0\n812\n");
        Assert.Equal([812], m.ReadPids(m.For("web")));
    }

    public void Dispose() => Directory.Delete(_mount, recursive: true);
}
