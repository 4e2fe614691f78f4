using System.IO.Compression;
using Corral.Core.Units;

namespace Corral.Core.Tests;

/// <summary>
/// #19's "done when": every directive systemd.exec(5) defines is either acted on or known and said to
/// be not enforced — never an unknown key — and docs/units.md names each. The list is the one this
/// machine's systemd documents (systemd.directives(7), from Debian's systemd package that deps.sh installs).
/// </summary>
public sealed class ExecDirectiveCoverageTests
{
    private static List<string> ExecDirectives()
    {
        const string index = "/usr/share/man/man7/systemd.directives.7.gz";
        Assert.True(File.Exists(index), $"{index} is missing: deps.sh installs Debian's systemd");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(index), CompressionMode.Decompress));
        var lines = reader.ReadToEnd().Split('\n');
        var names = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < lines.Length; i++)
        {
            // "\fIName=\fR", then ".RS 4", the pages that define it, ".RE".
            var l = lines[i];
            if (!l.StartsWith("\\fI", StringComparison.Ordinal) || !l.EndsWith("=\\fR", StringComparison.Ordinal)) continue;
            string name = l[3..^4];
            for (int j = i + 1; j < lines.Length && lines[j] != ".RE"; j++)
                if (lines[j].Contains("systemd.exec", StringComparison.Ordinal)) names.Add(name);
        }
        return [.. names];
    }

    [Fact]
    public void Every_directive_of_systemd_exec_is_known_and_documented()
    {
        var names = ExecDirectives();
        Assert.True(names.Count >= 120, $"only {names.Count} directives found for systemd.exec(5)");
        string docs = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "units.md"));
        foreach (var name in names)
        {
            var r = ServiceUnitLoader.Load("/u/x.service", $"[Service]\nExecStart=/bin/true\n{name}=\n");
            Assert.DoesNotContain(r.Diagnostics, d => d.Message.Contains("unknown key", StringComparison.Ordinal));
            Assert.True(docs.Contains($"`{name}=`", StringComparison.Ordinal), $"docs/units.md does not name {name}=");
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "docs", "units.md"))) return dir.FullName;
        throw new InvalidOperationException("the repository's docs/units.md was not found above the test assembly");
    }
}
