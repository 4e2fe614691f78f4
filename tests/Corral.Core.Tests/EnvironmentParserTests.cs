using Corral.Core.Units;

namespace Corral.Core.Tests;

public sealed class EnvironmentParserTests
{
    [Fact]
    public void Environment_assignments_are_quoted_words()
    {
        var list = EnvironmentParser.ParseAssignments("\"VAR1=word1 word2\" VAR2=word3 \"VAR3=$word 5 6\"");
        Assert.Equal([new("VAR1", "word1 word2"), new("VAR2", "word3"), new("VAR3", "$word 5 6")], list);
    }

    [Fact]
    public void A_word_without_a_name_is_an_error()
    {
        var e = Assert.Throws<UnitValueException>(() => EnvironmentParser.ParseAssignments("=x"));
        Assert.Contains("is not a NAME=VALUE assignment", e.Message);
    }

    [Fact]
    public void Environment_files_take_comments_export_quotes_and_continuations()
    {
        var diags = new List<Diagnostic>();
        var list = EnvironmentParser.ParseFile("/etc/x.env", "# c\n; c\nA=1\nexport B='two words'\nC=\"q \\\"x\\\"\"\nD=long\\\nline\nnot an assignment\n", diags);
        Assert.Equal([new("A", "1"), new("B", "two words"), new("C", "q \"x\""), new("D", "longline")], list);
        var d = Assert.Single(diags);
        Assert.Equal(8, d.Line);
    }

    [Fact]
    public void A_quoted_value_may_span_lines_as_in_systemd_and_the_lines_after_it_keep_their_numbers()
    {
        var diags = new List<Diagnostic>();
        var list = EnvironmentParser.ParseFile("/etc/x.env",
            "VAR='new\nline'\nDQ=\"a\n  \\\"b\\\" \\$c\"\nJOIN='a'\"b\"c\nLIT=a'b' \nESC=x\\ y\\z  \nbad line\n", diags);
        Assert.Equal([new("VAR", "new\nline"), new("DQ", "a\n  \"b\" $c"), new("JOIN", "abc"), new("LIT", "a'b'"), new("ESC", "x yz")], list);
        Assert.Equal(8, Assert.Single(diags).Line);
    }

    [Fact]
    public void An_unterminated_quote_takes_the_rest_of_the_file_and_nothing_crashes()
    {
        var diags = new List<Diagnostic>();
        var list = EnvironmentParser.ParseFile("/etc/x.env", "A=1\nB=\"open\nC=2\n", diags);
        Assert.Equal([new("A", "1"), new("B", "open\nC=2\n")], list);
    }
}
