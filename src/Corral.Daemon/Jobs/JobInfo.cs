namespace Corral.Daemon.Jobs;

/// <summary>A job as list-jobs and status show it: what it does, whether it runs, what it still waits for.</summary>
public sealed record JobInfo(int Id, string Unit, string Type, string State, List<string> WaitingFor)
{
    /// <summary>"start, waiting for db.service" / "stop, running".</summary>
    public string Describe() => State == "waiting" && WaitingFor.Count > 0 ? $"{Type}, waiting for {string.Join(", ", WaitingFor)}" : $"{Type}, {State}";
}
