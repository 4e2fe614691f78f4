namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>Base of every scenario: a fresh daemon fixture per test, disposed (and cleaned) after it.</summary>
public abstract class Scenario : IDisposable
{
    protected Scenario() => F = new DaemonFixture(GetType().Name.ToLowerInvariant());

    protected DaemonFixture F { get; }

    /// <summary>More arguments for the daemon StartService starts (a short --monitor-interval for tests that wait for ticks).</summary>
    protected virtual string[] DaemonArgs => [];

    /// <summary>Writes the unit, starts the daemon and the unit, and checks the start succeeded.</summary>
    protected void StartService(string unit, string body)
    {
        F.WriteUnit(unit, body);
        F.Start(DaemonArgs);
        var r = F.Cli("start", unit);
        Assert.True(r.ExitCode == 0, $"start failed: {r}\ndaemon log:\n{File.ReadAllText(F.DaemonLog)}");
    }

    protected void WaitForRecorded(int count, int seconds = 30) =>
        Wait.Until(() => Survivors.Recorded(F.PidsDir).Count >= count, TimeSpan.FromSeconds(seconds), $"{count} workload processes to start");

    /// <summary>Health-monitor passes completed so far, as `corral status --json` reports them.</summary>
    protected long MonitorTicks()
    {
        var r = F.Cli("status", "--json");
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        return doc.RootElement.GetProperty("machine").GetProperty("monitorTicks").GetInt64();
    }

    /// <summary>Waits until the health monitor has made <paramref name="passes"/> more passes: whatever they would raise is raised by then.</summary>
    protected void WaitForMonitorTicks(int passes)
    {
        long target = MonitorTicks() + passes;
        Wait.Until(() => MonitorTicks() >= target, TimeSpan.FromSeconds(20), $"{passes} more health-monitor passes");
    }

    /// <summary>The notices (of one unit, or all), oldest first, through <c>corral events --notices --json</c>.</summary>
    protected List<System.Text.Json.JsonElement> Notices(string? unit = null)
    {
        var r = unit is null ? F.Cli("events", "--notices", "--json") : F.Cli("events", "--notices", "--json", "--unit", unit);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    /// <summary>Waits for a notice of that kind and returns it.</summary>
    protected System.Text.Json.JsonElement WaitForNotice(string? unit, string kind, int seconds = 10)
    {
        System.Text.Json.JsonElement found = default;
        Wait.Until(() =>
        {
            var n = Notices(unit).LastOrDefault(n => n.GetProperty("kind").GetString() == kind);
            if (n.ValueKind == System.Text.Json.JsonValueKind.Undefined) return false;
            found = n;
            return true;
        }, TimeSpan.FromSeconds(seconds), $"a {kind} notice{(unit is null ? "" : " of " + unit)}");
        return found;
    }

    protected List<int> CgroupPids(string unit) => F.Cgroups.ReadPids(F.CgroupOf(unit));

    /// <summary>
    /// Someone moves one of the unit's processes (not its main) out of its cgroup, into a cgroup
    /// beside the service's under this test's own root, once the unit has <paramref name="processes"/>: the escapee's pid.
    /// </summary>
    protected int MoveOneProcessOut(string unit, int processes)
    {
        Wait.Until(() => CgroupPids(unit).Count >= processes, TimeSpan.FromSeconds(10), $"{unit}'s {processes} processes");
        int main = int.Parse(F.Prop(unit, "MainPID"));
        int escapee = CgroupPids(unit).Where(p => p != main).Max();
        string elsewhere = Directory.CreateDirectory(Path.Combine(F.CgroupRoot, "elsewhere")).FullName;
        Corral.Linux.Cgroups.CgroupFile.Write(Path.Combine(elsewhere, "cgroup.procs"), escapee.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return escapee;
    }

    protected void AssertNoSurvivors()
    {
        var alive = Survivors.Alive(F.PidsDir);
        Assert.True(alive.Count == 0, $"{alive.Count} workload processes survived: {string.Join(' ', alive)}");
    }

    /// <summary>What a test made outside its fixture (a directory under /run …): removed once the daemon and its services are gone, also after a failure.</summary>
    protected virtual void Cleanup() { }

    public void Dispose()
    {
        try
        {
            F.Dispose();
        }
        finally
        {
            Cleanup();
        }
        GC.SuppressFinalize(this);
    }
}
