using System.Text;
using Corral.Daemon.Services;
using Corral.Linux.Notify;

namespace Corral.Daemon.Tests;

/// <summary>The notification router: where a sender belongs, and a flood from one process.</summary>
public sealed class NotifyRouterTests
{
    private readonly FakeKernel _kernel = new("/sys/fs/cgroup/unified/corral-router-test");
    private readonly NotifyCounters _counters = new();

    private NotifyRouter Router() => new(_kernel, _ => null, _counters);

    private long Refused(string reason) => _counters.RefusedCounts().Single(r => r.Reason == reason).Count;

    [Fact]
    public void A_sender_belongs_to_the_unit_whose_cgroup_it_is_in_or_below_and_nothing_else_does()
    {
        var r = Router();
        Assert.Equal("web.service", r.UnitOf("/corral-router-test/web.service"));
        Assert.Equal("web.service", r.UnitOf("/corral-router-test/web.service/workers"));
        Assert.Null(r.UnitOf("/corral-router-test/corral-helpers"));
        Assert.Null(r.UnitOf("/corral-router-test"));
        Assert.Null(r.UnitOf("/corral-router-test-other/web.service"));
        Assert.Null(r.UnitOf("/user.slice/web.service"));
    }

    [Fact]
    public void A_flood_from_one_process_is_read_up_to_1000_a_second_and_the_rest_is_dropped_unread()
    {
        var r = Router();
        var ready = Encoding.ASCII.GetBytes("READY=1");
        for (int i = 0; i < 2500; i++) r.OnDatagram(new NotifyDatagram(Environment.ProcessId, 0, 0, ready));
        // However the seconds fall, at most 2000 of 2500 sent within a few milliseconds are read.
        long limited = Refused(NotifyCounters.RateLimited), read = Refused(NotifyCounters.Foreign);
        Assert.Equal(2500, limited + read);
        Assert.InRange(limited, 500, 1500);

        // Another sender is not held back by the first one's flood.
        r.OnDatagram(new NotifyDatagram(5_000_000, 0, 0, ready)); // above any pid_max: no such process
        Assert.Equal(1, Refused(NotifyCounters.SenderGone));
    }
}
