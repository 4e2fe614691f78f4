using System.Diagnostics;

namespace Corral.Tests.Shared;

/// <summary>
/// <c>promtool check metrics</c> from Debian's prometheus package: parses the text exposition format
/// and lints names by Prometheus' conventions; exit code 0 when both pass. Linked into the test
/// projects that check metrics text.
/// </summary>
public static class Promtool
{
    public const string Binary = "/usr/bin/promtool";

    public static (int ExitCode, string Output) CheckMetrics(string text)
    {
        var psi = new ProcessStartInfo(Binary, ["check", "metrics"])
            { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(text);
        p.StandardInput.Close();
        if (!p.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            p.Kill(); // our own child
            throw new TimeoutException("promtool check metrics did not finish within 30 s");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
