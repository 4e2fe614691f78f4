using System.Diagnostics;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>A program of the machine run to its end for what it prints (ionice, stat, redis-cli, systemd-detect-virt …).</summary>
public static class Programs
{
    /// <summary>Its standard output, trimmed.</summary>
    public static string Output(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardOutput = true, UseShellExecute = false })!;
        string output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    /// <summary>Its exit status (what it prints goes where the test's output goes).</summary>
    public static int ExitCode(string program, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(program, args) { UseShellExecute = false })!;
        p.WaitForExit();
        return p.ExitCode;
    }
}
