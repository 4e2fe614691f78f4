using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>Every Limit*= directive, each read in its own unit as systemd.exec(5) says (issue #14, item 6).</summary>
public sealed class LimitDirectiveTests
{
    private static ServiceUnit Load(string lines)
    {
        var r = ServiceUnitLoader.Load("/u/l.service", "[Service]\nExecStart=/bin/true\n" + lines);
        Assert.True(r.Unit is not null, string.Join("\n", r.Diagnostics));
        Assert.Empty(r.Diagnostics);
        return r.Unit!;
    }

    private static string Error(string line) =>
        Assert.Single(ServiceUnitLoader.Load("/u/l.service", "[Service]\nExecStart=/bin/true\n" + line + "\n").Diagnostics).ToString();

    [Theory]
    [InlineData("LimitCPU=2min", "CPU", 120UL, 120UL)]
    [InlineData("LimitCPU=30:60", "CPU", 30UL, 60UL)]
    [InlineData("LimitCPU=1.5s", "CPU", 2UL, 2UL)] // rounded up to whole seconds
    [InlineData("LimitRTTIME=500ms", "RTTIME", 500_000UL, 500_000UL)]
    [InlineData("LimitRTTIME=1000", "RTTIME", 1000UL, 1000UL)] // a bare number is microseconds
    [InlineData("LimitNICE=-5", "NICE", 25UL, 25UL)]
    [InlineData("LimitNICE=+19", "NICE", 1UL, 1UL)]
    [InlineData("LimitNICE=40", "NICE", 40UL, 40UL)]
    [InlineData("LimitMSGQUEUE=1M", "MSGQUEUE", 1_048_576UL, 1_048_576UL)]
    [InlineData("LimitSTACK=4M:8M", "STACK", 4_194_304UL, 8_388_608UL)]
    [InlineData("LimitNPROC=512", "NPROC", 512UL, 512UL)]
    [InlineData("LimitRTPRIO=10", "RTPRIO", 10UL, 10UL)]
    public void A_limit_is_read_in_its_own_unit(string line, string name, ulong soft, ulong hard)
    {
        Assert.Equal(new RLimit(soft, hard), Load(line + "\n").Limits[name]);
    }

    [Fact]
    public void Infinity_is_no_limit_and_an_empty_assignment_drops_the_units_own()
    {
        Assert.Equal(new RLimit(null, null), Load("LimitAS=infinity\n").Limits["AS"]);
        Assert.Equal(new RLimit(8, null), Load("LimitCORE=8:infinity\n").Limits["CORE"]);
        Assert.False(Load("LimitNOFILE=4096\nLimitNOFILE=\n").Limits.ContainsKey("NOFILE"));
    }

    [Theory]
    [InlineData("LimitNICE=41", "neither a nice level -20…19 (with its sign) nor a raw limit 0…40")]
    [InlineData("LimitNICE=-21", "neither a nice level")]
    [InlineData("LimitAS=50%", "a resource limit cannot be a percentage")]
    [InlineData("LimitCPU=soon", "is not a time")]
    [InlineData("LimitNOFILE=10:5", "soft limit 10 is above hard limit 5")]
    [InlineData("LimitNOFILE=1:2:3", "is not a limit")]
    public void A_bad_limit_is_an_error_naming_file_line_and_key(string line, string why)
    {
        string e = Error(line);
        Assert.StartsWith("/u/l.service:3: error: Limit", e);
        Assert.Contains(why, e);
    }

    [Fact]
    public void The_old_spellings_of_the_start_limit_in_Service_are_honoured()
    {
        var u = Load("StartLimitBurst=3\nStartLimitInterval=30\n");
        Assert.Equal((3, TimeSpan.FromSeconds(30)), (u.StartLimitBurst, u.StartLimitInterval));
    }
}
