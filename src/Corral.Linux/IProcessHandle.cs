namespace Corral.Linux;

/// <summary>
/// A process Corral holds, by pid and a reference that cannot reach another process that reused the
/// pid: <see cref="ProcessHandle"/> on the kernel, a fake in the runner's tests.
/// </summary>
public interface IProcessHandle : IDisposable
{
    int Pid { get; }

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    bool TrySignal(int signal);

    /// <summary>What its spawn could not give it as asked, in words; empty for a process Corral did not spawn.</summary>
    IReadOnlyList<string> SpawnWarnings => [];
}
