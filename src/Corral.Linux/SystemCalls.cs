namespace Corral.Linux;

/// <summary>System calls of x86_64 by number (the syscalls-x86_64.txt resource, tools/syscall-names.sh).</summary>
public static class SystemCalls
{
    private static readonly Dictionary<int, string> Names = Load();

    /// <summary>AUDIT_ARCH_X86_64: how the kernel's audit names the ABI of x86_64's calls.</summary>
    private const uint AuditArchX8664 = 0xc000003e;

    /// <summary>The name of the call with that number in that ABI (as audit names it); null unless it is this x86_64 machine's own, or for a number it does not have.</summary>
    public static string? NameOf(int nr, uint auditArch) =>
        auditArch == AuditArchX8664
        && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
        && Names.TryGetValue(nr, out var name) ? name : null;

    private static readonly HashSet<string> Known = [.. Names.Values];

    /// <summary>Whether this machine has a system call of that name (on an architecture other than x86_64 this table cannot tell: true).</summary>
    public static bool Exists(string name) =>
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture != System.Runtime.InteropServices.Architecture.X64 || Known.Contains(name);

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
