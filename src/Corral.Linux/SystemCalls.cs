namespace Corral.Linux;

/// <summary>System calls of x86_64 by number (the syscalls-x86_64.txt resource, tools/syscall-names.sh).</summary>
public static class SystemCalls
{
    private static readonly Dictionary<int, string> Names = Load();

    /// <summary>The name of this machine's call with that number; null on another architecture, or for a number it does not have.</summary>
    public static string? NameOf(int nr) =>
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
        && Names.TryGetValue(nr, out var name) ? name : null;

    private static Dictionary<int, string> Load()
    {
        using var stream = typeof(SystemCalls).Assembly.GetManifestResourceStream("syscalls-x86_64.txt")
            ?? throw new InvalidOperationException("syscalls-x86_64.txt is not in the assembly");
        using var reader = new StreamReader(stream);
        var names = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out int nr)) names[nr] = parts[1];
        }
        return names;
    }
}
