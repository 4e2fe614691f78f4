namespace Corral.Core.Deaths;

/// <summary>Why a process died (issue #3): each with its own evidence in the record.</summary>
public enum DeathCause
{
    /// <summary>It exited on its own, with a code.</summary>
    Exit,
    /// <summary>A signal sent by another process, named in the record.</summary>
    Signal,
    /// <summary>The kernel's OOM killer.</summary>
    OomKill,
    /// <summary>Corral's own signal: stop, restart, kill verb, timeout escalation.</summary>
    Corral,
    /// <summary>A fault the process raised itself (SIGSEGV, SIGBUS, SIGABRT …).</summary>
    Kernel,
    /// <summary>Its system-call filter (SystemCallFilter=): the record's reason names the call.</summary>
    Seccomp,
    /// <summary>The evidence is missing; the record says which and why. Never a guess.</summary>
    Unknown,
}

public static class DeathCauseNames
{
    private static readonly Text.NameTable<DeathCause> Names = new(
        ("exit", DeathCause.Exit), ("signal", DeathCause.Signal), ("oom-kill", DeathCause.OomKill),
        ("corral", DeathCause.Corral), ("kernel", DeathCause.Kernel), ("seccomp", DeathCause.Seccomp), ("unknown", DeathCause.Unknown));

    /// <summary>Every cause by its name, as records and filters spell it.</summary>
    public static readonly IReadOnlyList<string> All = Names.Names;

    public static string Format(DeathCause c) => Names.Format(c);

    /// <summary>A cause as stored; a name this version does not know reads as unknown.</summary>
    public static DeathCause Parse(string s) => Names.TryParse(s, out var c) ? c : DeathCause.Unknown;
}
