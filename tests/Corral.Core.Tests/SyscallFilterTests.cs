using System.Diagnostics;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>#19 item 4: the system-call filter's directives as read, and systemd's groups as this machine's systemd has them.</summary>
public sealed class SyscallFilterTests
{
    private static SyscallFilter Filter(string service)
    {
        var r = ServiceUnitLoader.Load("/etc/corral/units/box.service", $"[Service]\nExecStart=/bin/true\n{service}");
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        return r.Unit!.Sandbox.Filter;
    }

    [Fact]
    public void The_groups_are_those_of_the_systemd_installed_here()
    {
        // deps.sh installs Debian's systemd (for systemd-notify); its analyzer lists the groups.
        var psi = new ProcessStartInfo("/usr/bin/systemd-analyze", ["syscall-filter", "--no-pager"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var theirs = new Dictionary<string, HashSet<string>>();
        HashSet<string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('@')) theirs[line.Trim()] = current = [];
            else if (current is not null && line.Trim() is { Length: > 0 } member && !member.StartsWith('#')) current.Add(member);
        }
        Assert.True(theirs.Count >= 28, $"systemd-analyze listed {theirs.Count} groups");
        foreach (var (group, members) in theirs)
        {
            var expanded = new HashSet<string>(members.Where(m => !m.StartsWith('@')));
            foreach (var sub in members.Where(m => m.StartsWith('@'))) expanded.UnionWith(SyscallGroups.Expand(sub)!);
            Assert.True(expanded.SetEquals(SyscallGroups.Expand(group)!), $"{group} differs from systemd-analyze's: run tools/syscall-groups.sh");
        }
    }

    [Fact]
    public void The_first_line_decides_allow_or_deny_and_lines_of_the_other_kind_take_calls_back()
    {
        var allow = Filter("SystemCallFilter=@basic-io getpid\nSystemCallFilter=~write\n");
        Assert.True(allow.AllowList);
        Assert.Contains("read", allow.Calls);
        Assert.Contains("getpid", allow.Calls);
        Assert.DoesNotContain("write", allow.Calls);
        // An allow list starts from @default, as systemd's: what every process needs, which a later '~' line may take out.
        Assert.Contains("futex", allow.Calls);
        Assert.Contains("mmap", allow.Calls);
        Assert.DoesNotContain("futex", Filter("SystemCallFilter=@basic-io\nSystemCallFilter=~futex\n").Calls);
        var deny = Filter("SystemCallFilter=~@mount\nSystemCallFilter=mount\n");
        Assert.False(deny.AllowList);
        Assert.Contains("umount2", deny.Calls);
        Assert.DoesNotContain("mount", deny.Calls);
        Assert.Null(Filter("SystemCallFilter=~@mount\nSystemCallFilter=\n").AllowList);
        Assert.Null(Filter("SystemCallErrorNumber=kill\n").ErrorNumber);
        Assert.Equal(13, Filter("SystemCallErrorNumber=EACCES\n").ErrorNumber);
    }

    [Fact]
    public void RestrictNamespaces_and_RestrictAddressFamilies_merge_as_systemd()
    {
        const ulong net = 0x40000000, uts = 0x04000000;
        Assert.Equal(0UL, Filter("RestrictNamespaces=no\n").DeniedNamespaces);
        Assert.Equal(net, Filter("RestrictNamespaces=~net\n").DeniedNamespaces);
        ulong onlyUts = Filter("RestrictNamespaces=uts\n").DeniedNamespaces;
        Assert.Equal(0UL, onlyUts & uts);
        Assert.NotEqual(0UL, onlyUts & net);
        var (only, families) = Filter("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\nRestrictAddressFamilies=~AF_INET6\n").AddressFamilies!.Value;
        Assert.True(only);
        Assert.Equal([1, 2], families.Order());
        Assert.Equal((true, 0), Filter("RestrictAddressFamilies=none\n").AddressFamilies is var (a2, f2) ? (a2, f2.Count) : default);
    }
}
