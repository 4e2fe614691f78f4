namespace Corral.Linux;

/// <summary>This process's own resource limits (getrlimit(2)).</summary>
public static class ResourceLimits
{
    /// <summary>The hard limit of RLIMIT_&lt;name&gt; (resource numbers of asm-generic: x86-64 and arm64); null for unlimited.</summary>
    public static ulong? Hard(int resource) => Get(resource).Max is var max && max == Interop.RLIM_INFINITY ? null : max;

    /// <summary>The soft limit of RLIMIT_&lt;name&gt;; null for unlimited.</summary>
    public static ulong? Soft(int resource) => Get(resource).Cur is var cur && cur == Interop.RLIM_INFINITY ? null : cur;

    public const int NoFile = 7;

    private static Interop.Rlimit Get(int resource) =>
        Interop.Getrlimit(resource, out var l) == 0 ? l : throw new ErrnoException("getrlimit", Interop.LastErrno, resource.ToString());
}
