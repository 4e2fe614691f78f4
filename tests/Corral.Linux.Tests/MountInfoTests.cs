using Corral.Linux.Cgroups;
using Corral.Linux.Procfs;

namespace Corral.Linux.Tests;

public sealed class MountInfoTests
{
    // This machine's layout: a hybrid host.
    internal const string Hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """;

    // A Debian 12 host with systemd: unified only.
    internal const string PureV2 = """
        25 1 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
        29 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
        """;

    [Fact]
    public void Hybrid_layout_finds_v2_for_tracking_and_v1_memory_and_pids()
    {
        var layout = CgroupLayout.FromMountInfo(MountInfo.ParseAll(Hybrid));
        Assert.Equal(new CgroupLayout("/sys/fs/cgroup/unified", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids"), layout);
        Assert.True(layout.IsHybrid);
    }

    [Fact]
    public void Pure_v2_layout_has_no_v1_controllers()
    {
        var layout = CgroupLayout.FromMountInfo(MountInfo.ParseAll(PureV2));
        Assert.Equal(new CgroupLayout("/sys/fs/cgroup", null, null), layout);
        Assert.False(layout.IsHybrid);
    }

    [Fact]
    public void A_host_without_cgroup2_is_an_error_that_says_so()
    {
        var e = Assert.Throws<CgroupException>(() => CgroupLayout.FromMountInfo(MountInfo.ParseAll(Hybrid.Replace("cgroup2 cgroup2", "tmpfs tmpfs"))));
        Assert.Contains("no cgroup2 hierarchy", e.Message);
    }

    [Fact]
    public void Octal_escapes_in_mount_points_are_decoded()
    {
        Assert.True(MountInfo.TryParse(@"50 23 0:40 / /mnt/with\040space rw - tmpfs tmpfs rw", out var m));
        Assert.Equal("/mnt/with space", m!.MountPoint);
    }

    [Fact]
    public void This_machine_has_a_cgroup2_mount() =>
        Assert.True(Directory.Exists(CgroupLayout.Detect().UnifiedMount));
}
