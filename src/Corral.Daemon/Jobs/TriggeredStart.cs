using Corral.Daemon.Services;

namespace Corral.Daemon.Jobs;

/// <summary>
/// A start a timer or a socket asks for: run off the asking engine's loop (the job may take as long
/// as the unit's start), its outcome posted back to that loop. A start that throws is a failed job.
/// </summary>
internal static class TriggeredStart
{
    public static void Launch(Func<string, string, Task<JobResult>>? start, string unit, string cause, Mailbox loop, Action<JobResult> onDone)
    {
        if (start is null) return;
        _ = Task.Run(async () =>
        {
            JobResult r;
            try { r = await start(unit, cause); }
            catch (Exception e) { r = JobResult.Fail(e.Message); }
            loop.Post(() => onDone(r));
        });
    }
}
