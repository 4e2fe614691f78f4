using System.Runtime.InteropServices;
using Corral.Core.Deaths;
using Corral.Core.Killing;
using Corral.Core.State;
using Corral.Daemon.Services;

namespace Corral.Daemon.Init;

/// <summary>
/// <c>corral init</c> once the daemon is up: the container's life. The main unit starts (after the
/// enabled units of --units, in dependency order); signals a container's runtime sends its init are
/// handed on as the main unit's KillMode= says (SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH);
/// SIGTERM, or the main unit's end, stops everything in reverse dependency order, SIGKILL for what
/// is left once the grace is over; one line tells why the main unit ended (--termination-log), and
/// the init exits with its status: the exit code, or 128 + the signal, as container runtimes read it.
/// </summary>
internal sealed class ContainerInit(InitOptions init, Manager manager, Jobs.JobEngine jobs, ServiceContext ctx)
{
    private static readonly int[] Forwarded = [2, 1, 3, 10, 12, 28]; // SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH

    /// <summary>Runs the container until SIGTERM (<paramref name="stopRequested"/>) or the main unit's end; returns the init's exit code.</summary>
    public int Run(Task stopRequested, bool startEnabledUnits)
    {
        var forwarders = Forwarded.Select(sig => PosixSignalRegistration.Create((PosixSignal)sig, c =>
        {
            c.Cancel = true;
            Forward(sig);
        })).ToList();
        try
        {
            var mainEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            ctx.Changes.Changed += unit =>
            {
                if (unit == MainUnit.Name && manager.TryGetRunner(MainUnit.Name, out var r) && r.State is ServiceState.Dead or ServiceState.Failed)
                    mainEnded.TrySetResult();
            };
            if (startEnabledUnits)
            {
                var boot = jobs.StartAsync(UnitCatalog.Default).GetAwaiter().GetResult();
                Console.Error.WriteLine(boot.Ok ? "corral: init: the enabled units are up" : $"corral: init: starting the enabled units: {boot.Error}");
            }
            string? startError = null;
            if (!stopRequested.IsCompleted)
            {
                var start = jobs.StartAsync(MainUnit.Name).GetAwaiter().GetResult();
                if (!start.Ok) startError = start.Error;
            }
            if (startError is null) Task.WaitAny(stopRequested, mainEnded.Task);
            Console.Error.WriteLine(stopRequested.IsCompleted ? "corral: init: SIGTERM: stopping every unit" : $"corral: init: {MainUnit.Name} ended: stopping every unit");
            StopEverything();
            return Conclude(startError);
        }
        finally
        {
            foreach (var f in forwarders) f.Dispose();
        }
    }

    /// <summary>A signal for the container, to the main unit's processes as its KillMode= says (control-group: all of them).</summary>
    private void Forward(int signal)
    {
        if (!manager.TryGetRunner(MainUnit.Name, out var runner) || ServiceStateNames.HasNoRun(runner.State)) return;
        var whom = runner.Unit.KillMode == KillMode.ControlGroup ? KillWhom.All : KillWhom.Main;
        _ = runner.KillAsync(whom, signal, null, "forwarded by corral init");
    }

    /// <summary>In reverse dependency order, each unit within its own TimeoutStopSec=; what runs once the grace is over gets SIGKILL.</summary>
    private void StopEverything()
    {
        var everything = Task.Run(async () =>
        {
            await jobs.StopEverythingAsync();
            await manager.StopAllAsync();
        });
        if (everything.Wait(init.Grace)) return;
        Console.Error.WriteLine($"corral: init: the grace of {init.Grace.TotalSeconds:0.###}s is over: SIGKILL to every process left");
        foreach (var runner in manager.Runners())
            if (!ServiceStateNames.IsInactive(runner.State))
                _ = runner.KillAsync(KillWhom.All, Core.Signals.SignalNames.SigKill, null, "grace of corral init over");
        if (!everything.Wait(TimeSpan.FromSeconds(10)))
            Console.Error.WriteLine("corral: init: units still not stopped 10s after SIGKILL; exiting anyway");
    }

    /// <summary>The main unit's last death, told in one line (--termination-log) and as the exit code.</summary>
    private int Conclude(string? startError)
    {
        ctx.Tracker.WaitRecorded(TimeSpan.FromSeconds(2));
        var death = ctx.Store.LastDeaths([ProcessRoles.Main]).FirstOrDefault(d => d.Unit == MainUnit.Name);
        string line;
        int code;
        if (death is null)
        {
            line = $"{MainUnit.Name}: did not start: {startError ?? "no main process ran"}";
            // As a shell says it: 127 for a command not found, 126 for one that cannot run.
            code = startError is not null && (startError.Contains("not found", StringComparison.Ordinal) || startError.Contains("No such file or directory", StringComparison.Ordinal)) ? 127 : 126;
        }
        else
        {
            line = $"{MainUnit.Name}: {DeathSentence.Describe(death)}";
            code = death.Status.Code switch
            {
                ExitCode.Exited => death.Status.Value,
                ExitCode.Killed or ExitCode.Dumped => 128 + death.Status.Value,
                _ => 1,
            };
        }
        Console.Error.WriteLine($"corral: init: {line}; exit code {code}");
        if (init.TerminationLog is { } path)
        {
            try { File.WriteAllText(path, line + "\n"); }
            catch (Exception e) when (Core.FileErrors.Is(e)) { Console.Error.WriteLine($"corral: init: cannot write the termination log {path}: {e.Message}"); }
        }
        return code;
    }
}
