using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>#19: the sandboxing directives as read from a unit, and the executor's steps they become (MountPlan).</summary>
public sealed class SandboxDirectiveTests
{
    private static ServiceUnit LoadOk(string service)
    {
        var r = ServiceUnitLoader.Load("/etc/corral/units/box.service", $"[Service]\nExecStart=/bin/true\n{service}");
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return r.Unit!;
    }

    private static string Error(string service) =>
        string.Join("\n", ServiceUnitLoader.Load("/etc/corral/units/box.service", $"[Service]\nExecStart=/bin/true\n{service}").Diagnostics);

    private static List<string> Plan(string service, params string[] writable) =>
        MountPlan.For(LoadOk(service).Sandbox, writable, ("/state/tmp", "/state/var-tmp"))
            .Select(m => m.ToArgument().Replace('\t', ' ').TrimEnd()).ToList();

    [Fact]
    public void Path_lists_take_prefixes_append_and_reset_on_an_empty_value()
    {
        var s = LoadOk("ReadOnlyPaths=/a -/b\nReadOnlyPaths=+-/c \"/with space\"\nReadWritePaths=/x\nReadWritePaths=\nReadWritePaths=//y/./z/\n").Sandbox;
        Assert.Equal([new SandboxPath("/a", false), new SandboxPath("/b", true), new SandboxPath("/c", true), new SandboxPath("/with space", false)], s.ReadOnlyPaths);
        Assert.Equal([new SandboxPath("/y/z", false)], s.ReadWritePaths);
    }

    [Fact]
    public void BindPaths_read_source_destination_and_options()
    {
        var s = LoadOk("BindPaths=/src -/opt:/dst:norbind /same\nBindReadOnlyPaths=/ro:/there:rbind\n").Sandbox;
        Assert.Equal([
            new BindMount("/src", "/src", false, true, false),
            new BindMount("/opt", "/dst", false, false, true),
            new BindMount("/same", "/same", false, true, false),
            new BindMount("/ro", "/there", true, true, false)], s.BindPaths);
    }

    [Fact]
    public void Bad_values_are_refused_naming_the_line_and_why()
    {
        Assert.Contains("box.service:3: error: ProtectSystem=very is not one of yes, no, full, strict", Error("ProtectSystem=very\n"));
        Assert.Contains("box.service:3: error: ProtectHome=maybe is not one of yes, no, read-only, tmpfs", Error("ProtectHome=maybe\n"));
        Assert.Contains("'/srv/../etc' has a '..' component", Error("ReadWritePaths=/srv/../etc\n"));
        Assert.Contains("'etc' must be an absolute path", Error("InaccessiblePaths=etc\n"));
        Assert.Contains("option 'bind' is not rbind or norbind", Error("BindPaths=/a:/b:bind\n"));
        Assert.Contains("is not SOURCE[:DESTINATION[:OPTIONS]]", Error("BindPaths=/a:/b:rbind:x\n"));
        Assert.Contains("ProtectProc=hidden is not one of default, invisible, ptraceable, noaccess", Error("ProtectProc=hidden\n"));
    }

    [Fact]
    public void Strict_system_mounts_come_first_parents_before_children_then_the_flags()
    {
        var plan = Plan("ProtectSystem=strict\nPrivateTmp=yes\nReadWritePaths=/var/lib/app\n", "/run/app");
        Assert.Equal([
            "self  ProtectSystem /dev", "self  ProtectSystem /proc", "self  ProtectSystem /sys",
            "self o ProtectSystem /home", "self o ProtectSystem /root", "bind  PrivateTmp /tmp /state/tmp",
            "self o ProtectSystem /run/user", "bind  PrivateTmp /var/tmp /state/var-tmp", "self o ReadWritePaths /run/app",
            "self  ReadWritePaths /var/lib/app",
            "ro  ProtectSystem /", "rw  ProtectSystem /dev", "rw  ProtectSystem /proc", "rw  ProtectSystem /sys",
            "rw o ProtectSystem /home", "rw o ProtectSystem /root", "rw  PrivateTmp /tmp",
            "rw o ProtectSystem /run/user", "rw  PrivateTmp /var/tmp", "rw o ReadWritePaths /run/app", "rw  ReadWritePaths /var/lib/app"], plan);
    }

    [Fact]
    public void Where_two_directives_name_one_path_the_stronger_wins()
    {
        // ReadWritePaths= over ProtectSystem=full's /etc; ReadOnlyPaths= over ReadWritePaths=; hidden over everything.
        Assert.Contains("rw  ReadWritePaths /etc", Plan("ProtectSystem=full\nReadWritePaths=/etc\n"));
        Assert.DoesNotContain("ro  ProtectSystem /etc", Plan("ProtectSystem=full\nReadWritePaths=/etc\n"));
        Assert.Contains("ro  ReadOnlyPaths /srv", Plan("ReadWritePaths=/srv\nReadOnlyPaths=/srv\n"));
        var hidden = Plan("ProtectHome=read-only\nInaccessiblePaths=/home\n");
        Assert.Contains("inaccessible  InaccessiblePaths /home", hidden);
        Assert.DoesNotContain(hidden, s => s.EndsWith(" /home") && !s.StartsWith("inaccessible"));
        // ProtectHome= decides about /home under a strict system, not strict's implicit rw.
        Assert.Contains("ro o ProtectHome /home", Plan("ProtectSystem=strict\nProtectHome=read-only\n"));
    }

    [Fact]
    public void No_directive_no_namespace_PrivateMounts_alone_an_empty_one_and_capabilities_dropped_as_systemd()
    {
        Assert.Empty(Plan(""));
        Assert.Equal(["rw  PrivateMounts /"], Plan("PrivateMounts=yes\n"));
        var s = LoadOk("PrivateDevices=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\n").Sandbox;
        Assert.Equal("CAP_SYS_MODULE CAP_SYS_RAWIO CAP_MKNOD CAP_SYSLOG", Capabilities.Format(s.DroppedCapabilities));
    }

    [Fact]
    public void The_notification_socket_is_bound_back_where_a_step_would_hide_it_and_only_there()
    {
        var s = LoadOk("PrivateTmp=yes\n").Sandbox;
        var hidden = MountPlan.For(s, [], ("/state/tmp", "/state/var-tmp"), "/tmp/test/corral.sock.notify");
        Assert.Equal(new MountStep("bind", "/tmp/test/corral.sock.notify", "NOTIFY_SOCKET", Source: "/tmp/test/corral.sock.notify", Recursive: false), hidden[2]);
        Assert.DoesNotContain(MountPlan.For(s, [], ("/state/tmp", "/state/var-tmp"), "/run/corral/corral.sock.notify"), m => m.Directive == "NOTIFY_SOCKET");
    }
}
