using System.Text;
using Corral.Core.Notify;

namespace Corral.Core.Tests;

/// <summary>Notification messages as any local process may write them: the good, the malformed and the hostile.</summary>
public sealed class NotifyMessageTests
{
    private static NotifyMessage Parse(string text)
    {
        Assert.True(NotifyMessage.TryParse(Encoding.UTF8.GetBytes(text), out var m, out var error), error);
        return m;
    }

    private static string Refused(byte[] bytes)
    {
        Assert.False(NotifyMessage.TryParse(bytes, out _, out var error));
        return error;
    }

    [Fact]
    public void The_assignments_of_sd_notify_are_read()
    {
        var m = Parse("READY=1\nSTATUS=Serving 3 clients\nMAINPID=4242\nERRNO=2\nEXTEND_TIMEOUT_USEC=5000000\nWATCHDOG=1\nWATCHDOG_USEC=2500000\n");
        Assert.True(m.Ready);
        Assert.Equal("Serving 3 clients", m.Status);
        Assert.Equal((4242, 2), (m.MainPid, m.Errno));
        Assert.Equal(TimeSpan.FromSeconds(5), m.ExtendTimeout);
        Assert.True(m.WatchdogPing);
        Assert.Equal(TimeSpan.FromSeconds(2.5), m.WatchdogInterval);
        Assert.Empty(m.Problems);
        Assert.True(Parse("WATCHDOG=trigger").WatchdogTrigger);
        Assert.True(Parse("RELOADING=1\nMONOTONIC_USEC=123").Reloading);
        Assert.True(Parse("STOPPING=1").Stopping);
        Assert.Equal("", Parse("STATUS=").Status);
    }

    [Fact]
    public void Unknown_keys_and_lines_without_an_assignment_are_skipped()
    {
        var m = Parse("garbage line\nBARRIER=1\nFDSTORE=1\nX_CUSTOM=yes\nREADY=1");
        Assert.True(m.Ready);
        Assert.Empty(m.Problems);
    }

    [Fact]
    public void An_invalid_value_is_left_out_and_named_while_the_rest_of_the_message_applies()
    {
        var m = Parse("MAINPID=1\nREADY=yes\nERRNO=-3\nWATCHDOG=often\nWATCHDOG_USEC=0\nEXTEND_TIMEOUT_USEC=soon\nSTATUS=still here");
        Assert.Null(m.MainPid);
        Assert.False(m.Ready);
        Assert.Equal("still here", m.Status);
        Assert.Equal(6, m.Problems.Count);
        Assert.Contains("MAINPID=1: not a process id above 1", m.Problems);
        Assert.Contains("READY=yes: only READY=1 means anything", m.Problems);
    }

    [Fact]
    public void Bytes_that_are_not_a_message_are_refused_whole_with_the_reason()
    {
        Assert.Equal("an empty message", Refused([]));
        Assert.Equal("a NUL byte at offset 7", Refused(Encoding.ASCII.GetBytes("READY=1\0STATUS=x")));
        Assert.Equal("not UTF-8", Refused([0x52, 0x45, 0x41, 0x44, 0x59, 0x3d, 0xff, 0xfe]));
        Assert.Equal("no KEY=VALUE assignment", Refused(Encoding.ASCII.GetBytes("hello\nworld\n=1\nlower=1")));
    }

    [Fact]
    public void A_status_cannot_carry_terminal_escape_sequences_to_whoever_prints_it()
    {
        var m = Parse("STATUS=\u001b[2J\u001b]0;owned\u0007 ok\r");
        Assert.Equal("?[2J?]0;owned? ok?", m.Status);
    }

    [Fact]
    public void A_huge_microsecond_count_means_forever_rather_than_an_overflow()
    {
        Assert.Equal(TimeSpan.MaxValue, Parse("EXTEND_TIMEOUT_USEC=18446744073709551615").ExtendTimeout);
        Assert.Contains("EXTEND_TIMEOUT_USEC=18446744073709551616: not a number of microseconds", Parse("EXTEND_TIMEOUT_USEC=18446744073709551616\nREADY=1").Problems);
    }
}
