namespace Corral.Linux.Spawn;

/// <summary>The executor could not start the service; says which step failed and why.</summary>
public sealed class SpawnException(string step, int errno, string detail)
    : Exception($"{Describe(step, detail)}: {Interop.StrError(errno)}")
{
    public string Step { get; } = step;
    public int Errno { get; } = errno;

    private static string Describe(string step, string detail) => step switch
    {
        "execve" => $"cannot execute {detail}",
        "chdir" => $"cannot change to working directory {detail}",
        "cgroup" => $"cannot join cgroup {detail}",
        "setuid" or "setgid" or "setgroups" => $"cannot set credentials ({step})",
        "posix_spawn" => $"cannot start the executor {detail}",
        // "capability 24": named as the unit names it.
        "CapabilityBoundingSet" or "AmbientCapabilities" when detail.StartsWith("capability ", StringComparison.Ordinal) && int.TryParse(detail[11..], out int cap) =>
            $"{step}={Core.Units.Capabilities.Name(cap)} cannot be applied",
        // A directive of the unit (ReadWritePaths, PrivateNetwork, ...): "ReadWritePaths: /srv/data: ...".
        _ when detail.Length > 0 && char.IsUpper(step[0]) => $"{step}: {detail}",
        _ => detail.Length > 0 ? $"{step} {detail}" : step,
    };
}
