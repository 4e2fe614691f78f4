using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    /// <summary>kill(2). Used only for pids read from a cgroup of Corral's own, where no pidfd exists.</summary>
    [LibraryImport(Libc, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
