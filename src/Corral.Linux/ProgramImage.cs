namespace Corral.Linux;

/// <summary>Replacing the running program by another, in the same process (same pid, same descriptors).</summary>
public static class ProgramImage
{
    /// <summary>execv(PATH, ARGV); returns only if it failed, with why.</summary>
    public static ErrnoException Exec(string path, IReadOnlyList<string> argv)
    {
        Interop.Execv(path, [.. argv, null]);
        return new ErrnoException("execv", Interop.LastErrno, path);
    }
}
