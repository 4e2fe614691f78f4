namespace Corral.Scenarios.Tests.Infrastructure;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalMilliseconds:F0} ms\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
