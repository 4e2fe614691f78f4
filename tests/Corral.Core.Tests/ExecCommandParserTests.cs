using Corral.Core.Units;

namespace Corral.Core.Tests;

public sealed class ExecCommandParserTests
{
    private static readonly Dictionary<string, string> Env = new() { ["ONE"] = "1", ["WORDS"] = "a  b c", ["EMPTY"] = "" };

    [Theory]
    [InlineData("/bin/echo hello world", "/bin/echo", new[] { "/bin/echo", "hello", "world" })]
    [InlineData("/bin/sh -c 'echo \"x y\"; exit 3'", "/bin/sh", new[] { "/bin/sh", "-c", "echo \"x y\"; exit 3" })]
    [InlineData("/bin/echo \"a b\" c\\ d", "/bin/echo", new[] { "/bin/echo", "a b", "c d" })]
    [InlineData("/bin/echo tab\\there", "/bin/echo", new[] { "/bin/echo", "tab\there" })]
    [InlineData("@/bin/busybox sleep 10", "/bin/busybox", new[] { "sleep", "10" })]
    [InlineData("sleep 5", "sleep", new[] { "sleep", "5" })]
    public void Splits_words_as_systemd_does(string line, string path, string[] argv)
    {
        var cmd = Assert.Single(ExecCommandParser.Parse(line));
        Assert.Equal(path, cmd.Path);
        Assert.Equal(argv, cmd.Words);
    }

    [Fact]
    public void Prefixes_set_flags()
    {
        var cmd = Assert.Single(ExecCommandParser.Parse("-+/bin/false"));
        Assert.True(cmd.IgnoreFailure);
        Assert.True(cmd.Flags.HasFlag(ExecFlags.FullPrivileges));
        Assert.Equal("/bin/false", cmd.Path);
    }

    [Fact]
    public void Bang_leaves_the_credentials_to_the_program_and_double_bang_is_read_without_effect()
    {
        Assert.Equal(ExecFlags.NoCredentials, Assert.Single(ExecCommandParser.Parse("!/usr/bin/id")).Flags);
        var doubled = Assert.Single(ExecCommandParser.Parse("-!!/usr/bin/id"));
        Assert.Equal((ExecFlags.IgnoreFailure, "/usr/bin/id"), (doubled.Flags, doubled.Path));
    }

    [Fact]
    public void A_lone_semicolon_separates_commands_and_an_escaped_one_does_not()
    {
        var cmds = ExecCommandParser.Parse("/bin/echo one ; /bin/echo two \\; three");
        Assert.Equal(2, cmds.Count);
        Assert.Equal(["/bin/echo", "one"], cmds[0].Words);
        Assert.Equal(["/bin/echo", "two", ";", "three"], cmds[1].Words);
    }

    [Fact]
    public void Dollar_word_splits_and_braced_variable_stays_one_argument()
    {
        var cmd = Assert.Single(ExecCommandParser.Parse("/bin/echo $WORDS ${WORDS} x${ONE}y $ONE$ONE $$ONE $EMPTY $MISSING"));
        // "$ONE$ONE" is the whole-word variable named "ONE$ONE", which is not set: no argument, as in systemd.
        Assert.Equal(["/bin/echo", "a", "b", "c", "a  b c", "x1y", "$ONE"], cmd.ExpandArgv(Env));
    }

    [Fact]
    public void A_dollar_name_inside_a_longer_word_stays_as_written_as_in_systemd()
    {
        var cmd = Assert.Single(ExecCommandParser.Parse("/bin/sh -c 'echo $ONE; exit $(cat f)' --opt=$ONE \"x $ONE\" ${ONE}$ONE"));
        Assert.Equal(["/bin/sh", "-c", "echo $ONE; exit $(cat f)", "--opt=$ONE", "x $ONE", "1$ONE"], cmd.ExpandArgv(Env));
    }

    [Fact]
    public void Colon_prefix_turns_off_expansion()
    {
        var cmd = Assert.Single(ExecCommandParser.Parse(":/bin/echo $ONE"));
        Assert.Equal(["/bin/echo", "$ONE"], cmd.ExpandArgv(Env));
    }

    [Theory]
    [InlineData("/bin/echo 'unterminated", "unterminated single quote")]
    [InlineData("bin/echo x", "must be absolute")]
    [InlineData("@/bin/echo", "gives no argv[0]")]
    [InlineData("-", "has no executable")]
    public void Rejects_malformed_command_lines(string line, string message)
    {
        var e = Assert.Throws<UnitValueException>(() => ExecCommandParser.Parse(line));
        Assert.Contains(message, e.Message);
    }
}
