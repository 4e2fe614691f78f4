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

    /// <summary>Run to its end (5 minutes at most, else the test fails): its exit status, standard output and standard error.</summary>
    public static (int Code, string Output, string Stderr) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(); // our own child
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish within 5 minutes");
        }
        return (p.ExitCode, stdout, stderr.Result);
    }
}
