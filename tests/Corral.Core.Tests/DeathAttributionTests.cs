using Corral.Core.Deaths;
using Corral.Core.State;

namespace Corral.Core.Tests;

public sealed class DeathAttributionTests
{
    private const int Daemon = 4000;
    private static readonly CorralKill Term = new(15, "stop", 0, "KillSignal= to stop", DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData(0x0300, ExitCode.Exited, 3)]
    [InlineData(0x8900, ExitCode.Exited, 137)]
    [InlineData(0x0009, ExitCode.Killed, 9)]
    [InlineData(0x000f, ExitCode.Killed, 15)]
    [InlineData(0x008b, ExitCode.Dumped, 11)]
    [InlineData(0x0000, ExitCode.Exited, 0)]
    public void Raw_wait_status_decodes_without_the_128_plus_n_ambiguity(int raw, ExitCode code, int value) =>
        Assert.Equal(new ExitStatus(code, value), ExitStatus.FromRaw(raw));

    [Fact]
    public void An_exit_is_an_exit_even_with_code_137_and_a_Corral_SIGKILL_pending()
    {
        var kill = Term with { Signal = 9 };
        Assert.Equal((DeathCause.Exit, null), DeathAttribution.Decide(ExitStatus.Exited(137), kill, null, "off", Daemon));
    }

    [Fact]
    public void Corrals_own_signal_is_Corral()
    {
        Assert.Equal(DeathCause.Corral, DeathAttribution.Decide(ExitStatus.Killed(15), Term, null, "off", Daemon).Cause);
        Assert.Equal(DeathCause.Corral, DeathAttribution.Decide(ExitStatus.Killed(15), Term, new SignalSender(Daemon, "corral", 0, "root", null), null, Daemon).Cause);
    }

    [Fact]
    public void A_traced_sender_other_than_Corral_wins_over_a_pending_Corral_signal()
    {
        var sender = new SignalSender(5120, "kill", 65534, "nobody", null);
        Assert.Equal((DeathCause.Signal, null), DeathAttribution.Decide(ExitStatus.Killed(15), Term, sender, null, Daemon));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(7)]
    [InlineData(6)]
    [InlineData(8)]
    public void A_fault_with_no_sender_is_the_kernel(int signal) =>
        Assert.Equal(DeathCause.Kernel, DeathAttribution.Decide(ExitStatus.Killed(signal, coreDumped: true), null, null, null, Daemon).Cause);

    [Fact]
    public void A_SIGKILL_with_the_OOM_counter_risen_is_an_OOM_kill_and_nothing_else_is()
    {
        Assert.Equal(DeathCause.OomKill, DeathAttribution.Decide(ExitStatus.Killed(9), null, null, null, Daemon, kernelSent: true, oomKilled: true).Cause);
        Assert.Equal(DeathCause.OomKill, DeathAttribution.Decide(ExitStatus.Killed(9), null, null, "off", Daemon, oomKilled: true).Cause);
        // W4: the counter's rise belongs to another death; this clean SIGTERM is Corral's.
        Assert.Equal(DeathCause.Corral, DeathAttribution.Decide(ExitStatus.Killed(15), Term, null, "off", Daemon, oomKilled: true).Cause);
        // A SIGKILL someone sent is theirs, whatever the counter did.
        var killer = new SignalSender(5120, "kill", 0, "root", null);
        Assert.Equal(DeathCause.Signal, DeathAttribution.Decide(ExitStatus.Killed(9), null, killer, null, Daemon, oomKilled: true).Cause);
    }

    [Fact]
    public void Without_evidence_the_cause_is_unknown_and_says_why()
    {
        var (cause, reason) = DeathAttribution.Decide(ExitStatus.Killed(9), null, null, "tracefs could not be mounted", Daemon);
        Assert.Equal(DeathCause.Unknown, cause);
        Assert.Equal("sender unknown: tracing unavailable: tracefs could not be mounted", reason);

        (cause, reason) = DeathAttribution.Decide(ExitStatus.Killed(9), null, null, null, Daemon);
        Assert.Equal(DeathCause.Unknown, cause);
        Assert.Equal("sender unknown: tracing saw no SIGKILL sent to this process", reason);
    }

    [Fact]
    public void Sentences_name_the_process_the_signal_and_the_culprit()
    {
        var at = new DateTimeOffset(2026, 11, 21, 10, 5, 3, 412, TimeSpan.Zero);
        var d = new DeathRecord
        {
            Unit = "web.service", Pid = 4242, Role = "main", Comm = "python3", EndedAt = at, Status = ExitStatus.Killed(15),
            Cause = DeathCause.Signal, Sender = new SignalSender(5120, "kill", 65534, "nobody", null),
        };
        const string time = "10:05:03.412 UTC"; // UTC whatever the machine's zone
        Assert.Equal($"main process 4242 (python3) was killed by SIGTERM sent by pid 5120 (kill, uid 65534 nobody) at {time}", DeathSentence.Describe(d));
        Assert.Equal($"process 4242 (python3) exited with status 137 at {time}",
            DeathSentence.Describe(d with { Role = "process", Status = ExitStatus.Exited(137), Cause = DeathCause.Exit, Sender = null }));
        Assert.Equal($"main process 4242 (python3) was killed by SIGSEGV (core dumped), a fault it raised itself, at {time}",
            DeathSentence.Describe(d with { Status = ExitStatus.Killed(11, true), Cause = DeathCause.Kernel, Sender = null }));
    }
}
