using System.Text;
using Corral.Core.Logs;

namespace Corral.Core.Tests;

public sealed class LogFormatTests
{
    private static List<string> Split(LineSplitter s, params string[] chunks)
    {
        var lines = new List<string>();
        foreach (var c in chunks) s.Feed(Encoding.UTF8.GetBytes(c), l => lines.Add(Encoding.UTF8.GetString(l)));
        return lines;
    }

    [Fact]
    public void Lines_are_cut_at_newlines_across_reads_and_the_rest_waits_for_its_newline()
    {
        var s = new LineSplitter();
        Assert.Equal(["one", "two", "three"], Split(s, "one\ntw", "o\nth", "ree\n", "four"));
        var rest = new List<string>();
        s.Flush(l => rest.Add(Encoding.UTF8.GetString(l)));
        Assert.Equal(["four"], rest);
        Assert.Equal(["", ""], Split(new LineSplitter(), "\n\n"));
    }

    [Fact]
    public void An_overlong_line_is_cut_into_lines_of_the_maximum_and_nothing_is_lost()
    {
        var s = new LineSplitter(maxLine: 4);
        Assert.Equal(["abcd", "efgh", "ij", "klmn", "o"], Split(s, "ab", "cdefghij\nklmno\n"));
        var exact = new LineSplitter(maxLine: 4);
        Assert.Equal(["abcd", "ef"], Split(exact, "abcd\nef\n")); // a line of exactly the maximum, then its newline
    }

    [Fact]
    public void A_stored_line_round_trips_with_its_time_to_the_microsecond_and_its_stream()
    {
        var at = new DateTimeOffset(2026, 11, 21, 22, 5, 3, TimeSpan.Zero).AddTicks(1234560);
        var prefix = new byte[LogLine.PrefixLength];
        LogLine.WritePrefix(at, isStderr: true, prefix);
        Assert.Equal("2026-11-21T22:05:03.123456Z err ", Encoding.ASCII.GetString(prefix));

        Assert.True(LogLine.TryParse([.. prefix, .. "héllo wörld"u8], out var line));
        Assert.Equal((at, true, "héllo wörld", "stderr"), (line.At, line.IsStderr, line.Text, line.Stream));
        Assert.True(LogLine.TryParse([.. prefix, 0xff, (byte)'x'], out var bad));
        Assert.Equal("\uFFFDx", bad.Text);
        Assert.False(LogLine.TryParse("2026-11-21 garbage"u8, out _));
    }
}
