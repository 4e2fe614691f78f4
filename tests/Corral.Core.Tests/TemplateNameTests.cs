using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>Templates and instances (issue #14, item 3): what a unit may be named, and the specifiers an instance fills in.</summary>
public sealed class TemplateNameTests
{
    [Theory]
    [InlineData("web.service")]
    [InlineData("getty@tty1.service")]
    [InlineData("systemd-fsck@dev-disk-by\\x2duuid-1234.service")]
    [InlineData("a:b_c.d-e.service")]
    [InlineData("getty@.service")]
    public void Names_systemd_accepts_are_accepted(string name) => Assert.Null(UnitNames.Invalid(name));

    [Theory]
    [InlineData("@x.service", "nothing before its '@'")]
    [InlineData("a@b@c.service", "more than one '@'")]
    [InlineData("web@../../etc.service", "the character '/'")]
    [InlineData("web@a b.service", "the character ' '")]
    [InlineData("web@a\nb.service", "U+000A")]
    [InlineData(".service", "no name before")]
    [InlineData("web", "does not end in .service or another")]
    public void Names_that_cannot_be_a_units_say_why(string name, string why) => Assert.Contains(why, UnitNames.Invalid(name));

    [Fact]
    public void A_name_longer_than_255_bytes_is_refused_and_the_message_stays_short()
    {
        string name = "web@" + new string('x', 250) + ".service";
        string why = UnitNames.Invalid(name)!;
        Assert.Contains("longer than 255 bytes", why);
        Assert.True(why.Length < 150, why);
        Assert.Null(UnitNames.Invalid("web@" + new string('x', 255 - 4 - 8) + ".service"));
    }

    [Fact]
    public void Templates_and_instances_are_told_apart()
    {
        Assert.True(UnitNames.IsTemplate("getty@.service"));
        Assert.False(UnitNames.IsTemplate("getty@tty1.service"));
        Assert.True(UnitNames.TryInstance("getty@tty1.service", out var template, out var instance));
        Assert.Equal(("getty@.service", "tty1"), (template, instance));
        Assert.False(UnitNames.TryInstance("getty@.service", out _, out _));
        Assert.False(UnitNames.TryInstance("web.service", out _, out _));
    }

    [Theory]
    [InlineData("dev-sda1", "dev/sda1")]
    [InlineData("alice\\x2dsmith", "alice-smith")]
    [InlineData("Hallo\\x20Welt", "Hallo Welt")]
    [InlineData("caf\\xc3\\xa9", "café")]
    [InlineData("bad\\x2", "bad\\x2")]
    [InlineData("\\xzz", "\\xzz")]
    public void Unescaping_follows_systemd_escape(string escaped, string plain) => Assert.Equal(plain, UnitNames.Unescape(escaped));

    [Fact]
    public void An_instance_fills_in_every_name_specifier()
    {
        var u = ServiceUnitLoader.Load("/u/backup-disk@.service",
            "[Unit]\nDescription=n=%n N=%N p=%p P=%P i=%i I=%I j=%j J=%J f=%f\n[Service]\nExecStart=/bin/echo %i\nUser=%I\n",
            unitName: "backup-disk@alice\\x2dsmith.service").Unit!;
        Assert.Equal("backup-disk@alice\\x2dsmith.service", u.Name);
        Assert.Equal("/u/backup-disk@.service", u.FilePath);
        Assert.Equal("n=backup-disk@alice\\x2dsmith.service N=backup-disk@alice\\x2dsmith p=backup-disk P=backup/disk " +
            "i=alice\\x2dsmith I=alice-smith j=disk J=disk f=/alice-smith", u.Description);
        Assert.Equal("alice-smith", u.User);
        // A command line takes C escapes after the specifiers, as systemd's does: "\x2d" there is a dash.
        Assert.Equal("alice-smith", u.ExecStart[0].Words[1]);
    }

    [Fact]
    public void Without_an_instance_f_is_the_prefix_as_a_path_and_j_the_whole_prefix_without_dashes()
    {
        var u = ServiceUnitLoader.Load("/u/mnt-data.service", "[Service]\nExecStart=/bin/echo %f %j %i.\n").Unit!;
        Assert.Equal(["/mnt/data", "data", "."], u.ExecStart[0].Words.Skip(1));
        var plain = ServiceUnitLoader.Load("/u/web.service", "[Service]\nExecStart=/bin/echo %j\n").Unit!;
        Assert.Equal("web", plain.ExecStart[0].Words[1]);
    }
}
