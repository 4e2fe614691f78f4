using Corral.Tests.Shared;
using Corral.Daemon.Web;

namespace Corral.Daemon.Tests;

/// <summary>The exposition writer: escaping and names by the format's rules, checked by promtool itself.</summary>
public sealed class PrometheusTextTests
{
    [Fact]
    public void Label_values_and_help_text_are_escaped_and_promtool_accepts_them()
    {
        // Unit names can hold a backslash (systemd's \x2d escapes); a description can hold anything.
        var m = new PrometheusText()
            .Family("corral_test_info", "gauge", "Help with a \\ backslash\nand a line break.")
            .Sample(1, ("unit", @"a\x2db.service"), ("text", "quote \" and\nnewline"))
            .Sample(double.NaN, ("unit", "nan.service"), ("text", ""))
            .Family("corral_test_events_total", "counter", "A counter.")
            .Sample(double.PositiveInfinity)
            .Family("corral_test_size_bytes", "gauge", "Big and small.")
            .Sample(1.5e300, ("unit", "x"))
            .Sample(-0.000001, ("unit", "y"));
        string text = m.ToString();

        Assert.Contains("# HELP corral_test_info Help with a \\\\ backslash\\nand a line break.\n", text);
        Assert.Contains("corral_test_info{unit=\"a\\\\x2db.service\",text=\"quote \\\" and\\nnewline\"} 1\n", text);
        Assert.Contains("corral_test_info{unit=\"nan.service\",text=\"\"} NaN\n", text);
        Assert.Contains("corral_test_events_total +Inf\n", text);
        Assert.Contains("corral_test_size_bytes{unit=\"x\"} 1.5E+300\n", text);
        var (code, output) = Promtool.CheckMetrics(text);
        Assert.True(code == 0, $"promtool: {output}\n{text}");
    }

    [Fact]
    public void Promtool_does_fail_on_what_the_writer_must_not_produce()
    {
        // The check above can fail: an unescaped quote and a counter without _total are refused.
        Assert.NotEqual(0, Promtool.CheckMetrics("# HELP x_total h\n# TYPE x_total counter\nx_total{a=\"b\"c\"} 1\n").ExitCode);
        Assert.NotEqual(0, Promtool.CheckMetrics("# HELP x h\n# TYPE x counter\nx 1\n").ExitCode);
    }

    [Theory]
    [InlineData("9lives")]
    [InlineData("has-dash")]
    [InlineData("")]
    public void Invalid_metric_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new PrometheusText().Family(name, "gauge", "h"));

    [Fact]
    public void Reserved_and_invalid_label_names_and_a_family_written_twice_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new PrometheusText().Family("a", "gauge", "h").Sample(1, ("__name__", "x")));
        Assert.Throws<ArgumentException>(() => new PrometheusText().Family("a", "gauge", "h").Sample(1, ("a:b", "x")));
        Assert.Throws<InvalidOperationException>(() => new PrometheusText().Family("a", "gauge", "h").Family("a", "gauge", "h"));
    }
}
