using System.Runtime.InteropServices;

namespace Corral.Linux;

internal static partial class Interop
{
    /// <summary>execve(2): argv and envp end with a null entry. Returns only on failure.</summary>
    [LibraryImport(Libc, EntryPoint = "execve", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial int Execve(string path, string?[] argv, string?[] envp);

    internal const int SIG_SETMASK = 2;

    /// <summary>sigprocmask(2) with a 128-byte sigset_t: the mask a new program image starts with is the caller's.</summary>
    [LibraryImport(Libc, EntryPoint = "sigprocmask", SetLastError = true)]
    internal static unsafe partial int Sigprocmask(int how, byte* set, byte* oldSet);
}
