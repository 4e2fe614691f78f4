namespace Corral.Core.Units;

/// <summary>What loading one unit file produced: the unit when it has no error, and every finding.</summary>
public sealed record UnitLoadResult(string Name, string FilePath, ServiceUnit? Unit, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>The drop-in files applied on top of the unit file, in order (NAME.service.d/*.conf).</summary>
    public IReadOnlyList<string> DropInPaths { get; init; } = [];

    /// <summary>systemd directives the files set that Corral reads and does not enforce yet, where each is.</summary>
    public IReadOnlyList<NotEnforcedDirective> NotEnforced { get; init; } = [];

    /// <summary>Documentation=: where to read about the unit (status says Docs:).</summary>
    public IReadOnlyList<string> Documentation { get; init; } = [];

    /// <summary>The target, when the file is a NAME.target without errors (<see cref="Unit"/> is then null).</summary>
    public TargetUnit? Target { get; init; }

    /// <summary>The timer, when the file is a NAME.timer without errors.</summary>
    public Timers.TimerUnit? Timer { get; init; }

    /// <summary>The socket, when the file is a NAME.socket without errors.</summary>
    public Sockets.SocketUnit? Socket { get; init; }

    /// <summary>Loaded without error, as a service, a target, a timer or a socket.</summary>
    public bool Loaded => Unit is not null || Target is not null || Timer is not null || Socket is not null;

    /// <summary>What the unit says about others (none when it did not load).</summary>
    public UnitDependencies Dependencies => Unit?.Dependencies ?? Target?.Dependencies ?? Timer?.Dependencies ?? Socket?.Dependencies ?? UnitDependencies.None;

    public UnitInstall Install => Unit?.Install ?? Target?.Install ?? Timer?.Install ?? Socket?.Install ?? UnitInstall.None;

    public bool HasErrors => Diagnostics.Any(d => d.Severity == Severity.Error);

    /// <summary>"FILE:LINE: MESSAGE" of the first error (the word "error" is left to the sentence around it).</summary>
    public string? FirstError => Diagnostics.FirstOrDefault(d => d.Severity == Severity.Error) is { } e ? $"{e.File}:{e.Line}: {e.Message}" : null;
}
