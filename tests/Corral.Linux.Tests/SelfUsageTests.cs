using Corral.Linux.Procfs;

namespace Corral.Linux.Tests;

/// <summary>
/// Counts this process's descriptors, which the tests of other classes open and close as they run:
/// alone, not in parallel with them (a count off by one failed a run).
/// </summary>
[Collection(nameof(SelfUsageCollection))]
public sealed class SelfUsageTests
{
    [Fact]
    public void Open_descriptors_are_counted_without_the_one_that_reads_them()
    {
        // Descriptors of earlier tests may still be closed by finalizers or by threads that are
        // ending: a count taken while that happens is taken again (each try is exact, or another).
        string? last = null;
        for (int attempt = 0; attempt < 5; attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            int before = SelfUsage.CountOpenFds();
            var files = Enumerable.Range(0, 5).Select(_ => File.OpenRead("/proc/self/stat")).ToList();
            int opened = SelfUsage.CountOpenFds();
            // .NET's enumeration sees its own descriptor too.
            int enumerated = Directory.EnumerateFileSystemEntries("/proc/self/fd").Count() - 1;
            int counted = SelfUsage.CountOpenFds();
            foreach (var f in files) f.Dispose();
            int after = SelfUsage.CountOpenFds();
            if (opened == before + 5 && enumerated == counted && after == before) return;
            last = $"before {before}, with 5 more {opened}, enumerated {enumerated} vs counted {counted}, after {after}";
            Thread.Sleep(200);
        }
        Assert.Fail($"the count never matched in 5 tries; last: {last}");
    }

    [Fact]
    public void Cpu_memory_and_start_time_of_this_process()
    {
        var u = SelfUsage.Read();
        Assert.True(u.CpuSeconds > 0);
        Assert.True(u.ResidentBytes > 1 << 20);
        Assert.True(u.VirtualBytes >= u.ResidentBytes);
        Assert.InRange(u.StartedAt, DateTimeOffset.Now.AddHours(-1), DateTimeOffset.Now);
        Assert.True(u.MaxFds is null or > 0);
    }
}

/// <summary>The tests that count this process's descriptors run alone (SelfUsageTests).</summary>
[CollectionDefinition(nameof(SelfUsageCollection), DisableParallelization = true)]
public sealed class SelfUsageCollection;
