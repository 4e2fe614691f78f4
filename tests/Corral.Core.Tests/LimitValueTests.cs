using Corral.Core.Units;

namespace Corral.Core.Tests;

public sealed class LimitValueTests
{
    [Theory]
    [InlineData("64M", 64UL * 1024 * 1024)]
    [InlineData("1G", 1024UL * 1024 * 1024)]
    [InlineData("1.5K", 1536UL)]
    [InlineData("4096", 4096UL)]
    public void Sizes_use_base_1024_suffixes(string text, ulong bytes) =>
        Assert.Equal(LimitValue.Absolute(bytes), LimitValue.ParseBytes(text));

    [Fact]
    public void Infinity_and_percentages_are_kept_for_the_daemon_to_resolve()
    {
        Assert.Equal(LimitValue.Infinity, LimitValue.ParseBytes("infinity"));
        var half = LimitValue.ParseBytes("50%");
        Assert.Equal(LimitKind.Percent, half.Kind);
        Assert.Equal(500UL, half.Resolve(1000));
        Assert.Null(LimitValue.Infinity.Resolve(1000));
    }

    [Theory]
    [InlineData("64X")]
    [InlineData("lots")]
    [InlineData("120%")]
    [InlineData("")]
    public void Rejects_malformed_sizes(string text) => Assert.Throws<UnitValueException>(() => LimitValue.ParseBytes(text));

    [Theory]
    [InlineData("1.5")]
    [InlineData("64M")]
    public void Counts_take_no_suffix_or_fraction(string text) => Assert.Throws<UnitValueException>(() => LimitValue.ParseCount(text));
}
