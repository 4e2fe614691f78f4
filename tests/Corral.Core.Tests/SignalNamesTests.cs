using Corral.Core.Signals;

namespace Corral.Core.Tests;

public sealed class SignalNamesTests
{
    [Theory]
    [InlineData("15", 15)]
    [InlineData("TERM", 15)]
    [InlineData("SIGTERM", 15)]
    [InlineData("HUP", 1)]
    [InlineData("SIGHUP", 1)]
    [InlineData("1", 1)]
    [InlineData("KILL", 9)]
    [InlineData("RTMIN", 34)]
    [InlineData("RTMIN+3", 37)]
    [InlineData("SIGRTMIN+3", 37)]
    [InlineData("RTMAX-1", 63)]
    [InlineData("RTMAX", 64)]
    [InlineData("64", 64)]
    [InlineData("IOT", 6)]
    public void Accepts_numbers_names_and_realtime_offsets_as_systemd(string text, int signal)
    {
        Assert.True(SignalNames.TryParse(text, out int s));
        Assert.Equal(signal, s);
    }

    [Theory]
    [InlineData("hup")]
    [InlineData("sigterm")]
    [InlineData("Term")]
    [InlineData("99")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-1")]
    [InlineData("SIGFOO")]
    [InlineData("RTMIN+31")]
    [InlineData("RTMIN-1")]
    [InlineData("")]
    [InlineData("+15")]
    public void Rejects_lower_case_unknown_and_out_of_range(string text) => Assert.False(SignalNames.TryParse(text, out _));

    [Theory]
    [InlineData(15, "SIGTERM")]
    [InlineData(9, "SIGKILL")]
    [InlineData(34, "SIGRTMIN")]
    [InlineData(37, "SIGRTMIN+3")]
    public void Formats_with_the_SIG_prefix(int signal, string name) => Assert.Equal(name, SignalNames.Format(signal));
}
