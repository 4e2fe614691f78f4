using Corral.Core.Units;

namespace Corral.Core.Tests;

public sealed class TimeSpanParserTests
{
    [Theory]
    [InlineData("90", 90_000_000)]
    [InlineData("1min 30s", 90_000_000)]
    [InlineData("1min30s", 90_000_000)]
    [InlineData("500ms", 500_000)]
    [InlineData("1.5s", 1_500_000)]
    [InlineData("2h", 7_200_000_000)]
    [InlineData("1d 1h", 90_000_000_000)]
    [InlineData("10us", 10)]
    [InlineData("5 min", 300_000_000)]
    [InlineData(" 3sec ", 3_000_000)]
    public void Parses_systemd_time_spans_to_microseconds(string text, long microseconds)
    {
        Assert.Equal(TimeSpan.FromTicks(microseconds * 10), TimeSpanParser.Parse(text));
    }

    [Fact]
    public void Infinity_is_the_largest_span() => Assert.Equal(TimeSpan.MaxValue, TimeSpanParser.Parse("infinity"));

    [Theory]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("5 parsecs")]
    [InlineData("-5s")]
    [InlineData("s")]
    public void Rejects_what_is_not_a_span(string text)
    {
        var e = Assert.Throws<UnitValueException>(() => TimeSpanParser.Parse(text));
        Assert.Contains("is not a time span", e.Message);
    }

    [Theory]
    [InlineData(90_000_000, "1min 30s")]
    [InlineData(500_000, "500ms")]
    [InlineData(0, "0")]
    public void Formats_as_systemctl_show_does(long microseconds, string text) =>
        Assert.Equal(text, TimeSpanParser.Format(TimeSpan.FromTicks(microseconds * 10)));
}
