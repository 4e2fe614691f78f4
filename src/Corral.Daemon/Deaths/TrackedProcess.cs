namespace Corral.Daemon.Deaths;

/// <summary>
/// A process of a service, as the lineage knows it. <see cref="StartTicks"/> names it together with
/// its pid: every check against /proc compares it, so a pid reused by an unrelated process is never
/// taken for it; 0 when unknown.
/// </summary>
internal sealed record TrackedProcess(string Unit, string Role, string Comm, string? Cmdline, DateTimeOffset? StartedAt, ulong StartTicks = 0)
{
    /// <summary>A process's stat is of this very process (same start), or its start is not known.</summary>
    public bool IsSameAs(Linux.Procfs.ProcStat st) => Linux.Procfs.StartTicks.IsOf(st, StartTicks);

    /// <summary>For a process followed from a fork: the parent it was forked by, and that parent's start as the lineage knew it (0: not known).</summary>
    public int ParentPid { get; init; }
    public ulong ParentStartTicks { get; init; }

    /// <summary>The process as /proc describes it now; <paramref name="inherit"/> (or "?") when it is gone.</summary>
    public static TrackedProcess Describe(int pid, string unit, string role, TrackedProcess? inherit) =>
        TryDescribe(pid, unit, role, inherit) ?? inherit ?? new TrackedProcess(unit, role, "?", null, null);

    /// <summary>The process as /proc describes it now (an empty command line is <paramref name="inherit"/>'s); null when it is gone.</summary>
    public static TrackedProcess? TryDescribe(int pid, string unit, string role, TrackedProcess? inherit = null)
    {
        if (!Linux.Procfs.ProcReader.TryReadStat(pid, out var st)) return null;
        string? cmdline = Linux.Procfs.ProcReader.TryReadCmdline(pid);
        return new TrackedProcess(unit, role, st!.Comm, string.IsNullOrEmpty(cmdline) ? inherit?.Cmdline : cmdline,
            Linux.Procfs.ProcReader.StartTime(st), st.StartTimeTicks);
    }
}

/// <summary>An exited process of a service whose parent, another process of the service, had not reaped it when last looked at.</summary>
internal sealed record ZombieCandidate(int Pid, string Unit, int Parent, DateTimeOffset ExitedAt, ulong StartTicks);
