using System.Globalization;
using Corral.Core.Signals;
using Corral.Core.State;

namespace Corral.Core.Deaths;

/// <summary>The plain sentence <c>corral why</c> prints for a death.</summary>
public static class DeathSentence
{
    private static string OomDetail(DeathRecord d)
    {
        if (d.Oom is not { } o) return "";
        var parts = new List<string>();
        if (o.AnonRssKb is { } anon) parts.Add($"anon-rss {anon.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', ' ')} kB");
        if (o.LimitBytes is { } limit) parts.Add($"limit {Mib(limit)}");
        if (o.PeakBytes is { } peak) parts.Add($"peak {Mib(peak)}");
        return $" — {string.Join(", ", parts)} ({o.Scope})";
    }

    private static string Mib(ulong bytes) => bytes % (1024 * 1024) == 0
        ? $"{bytes / (1024 * 1024)} MiB"
        : $"{(bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture)} MiB";

    public static string Describe(DeathRecord d)
    {
        string who = d.Role == ProcessRoles.Process ? $"process {d.Pid} ({d.Comm})" : $"{d.Role} process {d.Pid} ({d.Comm})";
        string at = Text.TimeText.ClockMs(d.EndedAt);
        if (d.Status.Code == ExitCode.Exited)
            return $"{who} exited with status {d.Status.Value} at {at}";
        if (d.Status.Code == ExitCode.Unknown)
            return $"{who} ended while the daemon was down, found gone at {at}{(d.Reason is null ? "" : $" ({d.Reason})")}";
        string how = $"was killed by {SignalNames.Format(d.Status.Value)}{(d.Status.Code == ExitCode.Dumped ? " (core dumped)" : "")}";
        return d.Cause switch
        {
            DeathCause.Corral when d.CorralKill is { } k =>
                $"{who} {how} from corral ({k.Verb}{(k.CallerUid is { } uid ? $", asked by uid {uid}" : "")}: {k.Reason}) at {at}",
            DeathCause.Signal when d.Sender is { } s && s.Pid == d.Pid => $"{who} {how} it sent itself at {at}",
            DeathCause.Signal when d.Sender is { } s =>
                $"{who} {how} sent by pid {s.Pid} ({s.Comm}{(s.Uid is { } u ? $", uid {u}{(s.User is null ? "" : " " + s.User)}" : "")}{(s.Unit is null ? "" : $", of {s.Unit}")}) at {at}",
            DeathCause.Kernel when !DeathAttribution.IsFault(d.Status.Value) => $"{who} {how} from the kernel at {at}",
            DeathCause.Kernel => $"{who} {how}, a fault it raised itself, at {at}",
            DeathCause.OomKill => $"{who} {how} from the kernel OOM killer at {at}{OomDetail(d)}",
            DeathCause.Seccomp => $"{who} {how} at {at}: {d.Reason}",
            _ => $"{who} {how} at {at}; {d.Reason ?? "cause unknown"}",
        };
    }
}
