using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    internal const int IPC_RMID = 0;

    /// <summary>shmctl(2), msgctl(2), semctl(2) with IPC_RMID: RemoveIPC= removes a user's System V objects.</summary>
    [LibraryImport(Libc, EntryPoint = "shmctl", SetLastError = true)]
    internal static partial int Shmctl(int id, int cmd, nint buf);

    [LibraryImport(Libc, EntryPoint = "msgctl", SetLastError = true)]
    internal static partial int Msgctl(int id, int cmd, nint buf);

    [LibraryImport(Libc, EntryPoint = "semctl", SetLastError = true)]
    internal static partial int Semctl(int id, int semnum, int cmd);
}
