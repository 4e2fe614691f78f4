using Corral.Daemon.Services;

namespace Corral.Daemon.Tests;

/// <summary>The loop that owns a unit's state: one item at a time, in the order posted, never a lock for the poster.</summary>
public sealed class MailboxTests
{
    [Fact]
    public async Task Items_posted_from_many_threads_run_one_at_a_time_and_each_thread_in_its_order()
    {
        var box = new Mailbox("test");
        int running = 0, overlaps = 0;
        var seen = new List<(int Thread, int Seq)>(); // touched on the loop only: no lock, as a runner's fields
        var posters = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 2000; i++)
            {
                int seq = i;
                box.Post(() =>
                {
                    if (Interlocked.Increment(ref running) > 1) Interlocked.Increment(ref overlaps);
                    seen.Add((t, seq));
                    Interlocked.Decrement(ref running);
                });
            }
        })).ToArray();
        await Task.WhenAll(posters);
        int count = await box.Ask(() => seen.Count);

        Assert.Equal(16000, count);
        Assert.Equal(0, overlaps);
        foreach (var byThread in seen.GroupBy(s => s.Thread))
            Assert.Equal(Enumerable.Range(0, 2000), byThread.Select(s => s.Seq));
    }

    [Fact]
    public async Task An_ask_of_an_idle_loop_runs_on_the_callers_thread_after_what_was_queued()
    {
        var box = new Mailbox("test");
        int caller = Environment.CurrentManagedThreadId;
        int ranOn = await box.Ask(() => Environment.CurrentManagedThreadId);
        Assert.Equal(caller, ranOn);

        // A busy loop: the ask waits its turn and runs after the item before it.
        var gate = new ManualResetEventSlim();
        var order = new List<string>();
        box.Post(() => { gate.Wait(); order.Add("first"); });
        var second = box.Ask(() => { order.Add("second"); return order.Count; });
        Assert.False(second.IsCompleted);
        gate.Set();
        Assert.Equal(2, await second);
        Assert.Equal(["first", "second"], await box.Ask(() => order.ToList()));
    }

    [Fact]
    public async Task An_item_that_throws_fails_its_ask_and_the_loop_goes_on()
    {
        var box = new Mailbox("test");
        box.Post(() => throw new InvalidOperationException("a bug in one item"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => box.Ask<int>(() => throw new InvalidOperationException("asked")));
        Assert.Equal(42, await box.Ask(() => 42));
        Assert.True(await box.Ask(() => box.IsCurrent));
        Assert.False(box.IsCurrent);
    }
}
