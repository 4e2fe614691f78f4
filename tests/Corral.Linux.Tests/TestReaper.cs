namespace Corral.Linux.Tests;

/// <summary>One reaper for the whole test process: it waits on every child, so there can be only one.</summary>
internal static class TestReaper
{
    public static ChildReaper Instance { get; } = new();

    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "build.sh"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}
