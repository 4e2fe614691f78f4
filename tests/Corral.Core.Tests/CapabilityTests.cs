using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>CapabilityBoundingSet= and AmbientCapabilities= values, merged as systemd merges them.</summary>
public sealed class CapabilityTests
{
    private static ulong Lines(params string[] lines)
    {
        ulong? set = null;
        foreach (var l in lines) set = Capabilities.Merge(set, l);
        return set!.Value;
    }

    [Fact]
    public void Names_with_or_without_CAP_in_any_case_make_the_set()
    {
        Assert.Equal((1UL << 10) | (1UL << 5), Lines("CAP_NET_BIND_SERVICE kill"));
        Assert.Equal(1UL << 40, Lines("cap_checkpoint_restore"));
        Assert.Equal("CAP_KILL CAP_NET_BIND_SERVICE", Capabilities.Format(Lines("net_bind_service CAP_KILL")));
    }

    [Fact]
    public void Lines_merge_by_OR_inverted_lines_by_AND_and_an_empty_line_resets_to_none()
    {
        Assert.Equal(0x21UL, Lines("CAP_KILL", "CAP_CHOWN"));
        Assert.Equal(Capabilities.All & ~(1UL << 21), Lines("~CAP_SYS_ADMIN"));
        Assert.Equal(Capabilities.All & ~((1UL << 21) | (1UL << 12)), Lines("~CAP_SYS_ADMIN", "~CAP_NET_ADMIN"));
        Assert.Equal(1UL << 5, Lines("CAP_KILL CAP_SYS_ADMIN", "~CAP_SYS_ADMIN"));
        Assert.Equal(0UL, Lines("CAP_KILL", ""));
        Assert.Equal(1UL, Lines("CAP_KILL", "", "CAP_CHOWN"));
    }

    [Fact]
    public void An_unknown_name_is_refused_by_name()
    {
        var e = Assert.Throws<UnitValueException>(() => Capabilities.Merge(null, "CAP_KILL CAP_FLY"));
        Assert.StartsWith("'CAP_FLY' is not a capability", e.Message);
    }
}
