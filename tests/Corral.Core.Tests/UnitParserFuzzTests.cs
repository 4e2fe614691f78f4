using System.Text;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>
/// Generated unit files — well-formed skeletons mutated with every directive Corral reads, hostile
/// values, broken syntax and random bytes — must never make the loader throw: each input gives a
/// unit or errors naming the file and a line of it. 12 000 inputs per run from fixed seeds, so a
/// failure names the seed and input number that reproduce it.
/// </summary>
public sealed class UnitParserFuzzTests
{
    private const string FilePath = "/etc/corral/units/fuzz.service";

    private static readonly string[] Keys =
    [
        "Unit.Description", "Service.Type", "Service.ExecStart", "Service.ExecStartPre", "Service.ExecStartPost", "Service.ExecStop",
        "Service.ExecStopPost", "Service.ExecReload", "Service.PIDFile", "Service.KillMode", "Service.KillSignal", "Service.FinalKillSignal",
        "Service.SendSIGKILL", "Service.SendSIGHUP", "Service.TimeoutStartSec", "Service.TimeoutStopSec", "Service.TimeoutSec", "Service.User",
        "Service.Group", "Service.SupplementaryGroups", "Service.WorkingDirectory", "Service.Environment", "Service.EnvironmentFile",
        "Service.UMask", "Service.LimitNOFILE", "Service.LimitCORE", "Service.OOMScoreAdjust", "Service.TasksMax", "Service.MemoryMax",
        "X-Corral.KillEscaped", "X-Corral.LogMaxBytes", "X-Corral.LogBackups", "X-Corral.ZombieMax", "X-Corral.ZombieAction",
        "Service.SuccessExitStatus", "Service.Restart", "Service.RestartSec", "Service.RestartSteps", "Service.RestartMaxDelaySec",
        "Service.RestartPreventExitStatus", "Unit.StartLimitIntervalSec", "Unit.StartLimitBurst", "Service.Nonsense", "X-Other.Thing", "Weird.Key",
    ];

    private static readonly string[] Values =
    [
        "", " ", "0", "1", "-1", "yes", "no", "maybe", "infinity", "99999999999999999999", "1.5h", "1min 30s", "1min30", "500ms", "5x",
        "10%", "200%", "0.5%", "1K", "64M", "3E", "9999E", "SIGTERM", "TERM", "15", "65", "RTMIN+3", "RTMAX-40", "SIGFOO",
        "control-group", "mixed", "none", "process", "always", "on-abort", "on-whatever", "restart", "stop",
        "/bin/true", "/bin/sh -c 'echo hi'", "-/bin/false", "@/bin/sh sh", ":/bin/x", "+!/bin/x", "!!/bin/x", "/bin/echo \"a \\\" b\"",
        "'unterminated", "\"unterminated", "/bin/echo \\", "/bin/echo \\x4", "/bin/echo \\u12", "/bin/echo \\777", "relative/path",
        "%", "%n %N %p %i %I %f %t %h %u %%", "%z", "${", "${A", "${A}", "$A", "$$", "$", ";", "/bin/a ; /bin/b", "A=1 B=\"2 3\" C",
        "=", "A=", "\"A=1", "0777", "0999", "12:34", "10:5", "65536:1024", "root", "nobody", "bad user!", "~", "-~", "/tmp",
        "ünïcödé ✓", "\t", "a\u0000b", "\ud800", new string('x', 5000), new string('%', 300), string.Concat(Enumerable.Repeat("a b ", 500)),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Generated_unit_files_never_make_the_loader_throw(int seed)
    {
        var rng = new Random(seed);
        for (int n = 0; n < 3000; n++)
        {
            string text = Generate(rng);
            UnitLoadResult r;
            try
            {
                r = ServiceUnitLoader.Load(FilePath, text);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}, input {n}: {e.GetType().Name}: {e.Message}\n--- input ---\n{text}");
                return;
            }
            int lines = text.Split('\n').Length;
            Assert.True(r.Unit is not null || r.Diagnostics.Any(d => d.Severity == Severity.Error), $"seed {seed}, input {n}: neither a unit nor an error\n{text}");
            foreach (var d in r.Diagnostics)
            {
                Assert.StartsWith($"{FilePath}:", d.ToString());
                Assert.InRange(d.Line, 0, lines);
            }
        }
    }

    private static string Generate(Random rng)
    {
        var sb = new StringBuilder();
        int mode = rng.Next(10);
        if (mode == 0)
        {
            // Raw noise: any characters, including control characters and broken surrogates.
            int len = rng.Next(0, 400);
            for (int i = 0; i < len; i++) sb.Append((char)rng.Next(0, 0xFFFF));
            return sb.ToString();
        }
        // A plausible file: sections and directives, most of them valid-looking, some not.
        if (rng.Next(4) > 0) sb.Append("[Service]\nExecStart=/bin/true\n");
        int count = rng.Next(1, 25);
        for (int i = 0; i < count; i++)
        {
            switch (rng.Next(12))
            {
                case 0: sb.Append(Pick(rng, ["[Unit]", "[Service]", "[X-Corral]", "[Install]", "[X-Foo]", "[Unit", "[]", "[ ]", "[[Service]]", "Service]"])); break;
                case 1: sb.Append(Pick(rng, ["# comment", "; comment", "", "   ", "NoEquals", "=value", " = ", "\\"])); break;
                case 2: sb.Append(Pick(rng, Keys).Split('.')[1]).Append('=').Append(Pick(rng, Values)).Append(" \\\n  ").Append(Pick(rng, Values)); break;
                default:
                    var key = Pick(rng, Keys).Split('.');
                    if (rng.Next(5) == 0) sb.Append('[').Append(key[0]).Append("]\n");
                    sb.Append(rng.Next(8) == 0 ? " " : "").Append(key[1]).Append(rng.Next(6) == 0 ? " = " : "=").Append(Mutate(rng, Pick(rng, Values)));
                    break;
            }
            sb.Append(rng.Next(10) == 0 ? "\r\n" : "\n");
        }
        return sb.ToString();
    }

    private static string Mutate(Random rng, string v)
    {
        if (v.Length == 0 || rng.Next(3) > 0) return v;
        var chars = v.ToCharArray();
        int i = rng.Next(chars.Length);
        chars[i] = Pick(rng, ['\'', '"', '\\', '%', '$', '{', ' ', '\0', '=', '[', '\n', 'é']);
        return new string(chars);
    }

    private static T Pick<T>(Random rng, T[] items) => items[rng.Next(items.Length)];
}
