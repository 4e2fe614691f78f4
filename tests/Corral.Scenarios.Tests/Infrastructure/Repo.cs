namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>Paths of the built programs; the tests run what ./build.sh left in bin/.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();
    public static string Corral => Path.Combine(Root, "bin", "corral");
    public static string Workload => Path.Combine(Root, "bin", "corral-workload");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "build.sh"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (build.sh) above " + AppContext.BaseDirectory);
    }
}
