using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// /metrics: valid Prometheus text (promtool, from Debian's prometheus package, says so), the
/// figures of every unit, the deaths by cause, the machine and the daemon; docs/metrics.md lists
/// every family; and a real Prometheus server scrapes it.
/// </summary>
public sealed partial class MetricsScenarios : Scenario
{
    private WebEndpoint StartUnits()
    {
        var web = new WebEndpoint(F);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\nTasksMax=50\nMemoryMax=64M\n[X-Corral]\nZombieMax=5\n");
        F.WriteUnit("crash", $"[Service]\nExecStart={F.Workload("exit 3")}\n");
        F.WriteUnit("factory", $"[Service]\nExecStart={F.Workload("zombies 3")}\n");
        F.WriteUnit("escape", $"[Service]\nExecStart={F.Workload("sigtree")}\n[X-Corral]\nKillEscaped=yes\n");
        F.WriteUnit("flaky", $"[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\nExecStart={F.Workload("exit 1")}\nRestart=on-failure\nRestartSec=100ms\n");
        F.Start(web.Args);
        foreach (var u in new[] { "web", "crash", "factory", "escape", "flaky" }) F.Cli("start", u);
        return web;
    }

    [Fact]
    public void Metrics_pass_promtool_and_tell_each_units_figures()
    {
        using var web = StartUnits();
        Wait.Until(() => F.Prop("crash", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "crash to fail");
        Wait.Until(() => F.Prop("flaky", "Result") == "start-limit-hit", TimeSpan.FromSeconds(20), "flaky to hit its start limit");
        // One process of escape's tree moves out of its cgroup.
        MoveOneProcessOut("escape", 3);

        Dictionary<string, double> m = [];
        Wait.Until(() =>
        {
            m = MetricsText.Samples(MetricsText.Scrape(web));
            return m.GetValueOrDefault("corral_unit_zombies{unit=\"factory.service\"}") == 3
                && m.GetValueOrDefault("corral_unit_escaped_processes{unit=\"escape.service\"}") == 1
                && m.GetValueOrDefault("corral_notices_total{kind=\"escaped\"}") == 1;
        }, TimeSpan.FromSeconds(10), "the zombies, the escapee and its notice in the metrics");

        Assert.Equal(1, m["corral_unit_up{unit=\"web.service\"}"]);
        Assert.Equal(0, m["corral_unit_up{unit=\"crash.service\"}"]);
        Assert.Equal(1, m["corral_unit_state{unit=\"crash.service\",state=\"failed\"}"]);
        Assert.Equal(0, m["corral_unit_state{unit=\"crash.service\",state=\"active\"}"]);
        Assert.Equal(1, m["corral_deaths_total{unit=\"crash.service\",cause=\"exit\"}"]);
        int restarts = int.Parse(F.Prop("flaky", "NRestarts"));
        Assert.True(restarts >= 2, $"NRestarts={restarts}");
        Assert.Equal(restarts, m["corral_unit_restarts_total{unit=\"flaky.service\"}"]);
        Assert.Equal(restarts + 1, m["corral_deaths_total{unit=\"flaky.service\",cause=\"exit\"}"]);
        Assert.Equal(0, m["corral_unit_restarts_total{unit=\"web.service\"}"]);
        Assert.Equal(int.Parse(F.Prop("web", "MainPID")), m["corral_unit_main_pid{unit=\"web.service\"}"]);
        Assert.Equal(50, m["corral_unit_tasks_max{unit=\"web.service\"}"]);
        Assert.Equal(64 << 20, m["corral_unit_memory_max_bytes{unit=\"web.service\"}"]);
        Assert.Equal(5, m["corral_unit_zombies_max{unit=\"web.service\"}"]);
        Assert.Equal(double.Parse(F.Prop("web", "TasksCurrent"), CultureInfo.InvariantCulture), m["corral_unit_tasks{unit=\"web.service\"}"]);
        Assert.True(m["corral_unit_memory_bytes{unit=\"web.service\"}"] > 0);
        Assert.Equal(0, m["corral_oom_kills_total{unit=\"web.service\"}"]);
        Assert.True(m["process_resident_memory_bytes"] > 10 << 20);
        // Zero until the first collection; never more than what the collector holds committed.
        Assert.InRange(m["corral_daemon_managed_heap_bytes"], 0, m["corral_daemon_managed_committed_bytes"]);
        Assert.True(m["corral_machine_threads"] >= m["corral_machine_processes"]);
        Assert.True(m["corral_proc_events_total"] > 0);

        // A death by corral's kill shows at the next scrape.
        Assert.Equal(0, F.Cli("kill", "web", "-s", "KILL").ExitCode);
        Wait.Until(() => MetricsText.Samples(MetricsText.Scrape(web)).GetValueOrDefault("corral_deaths_total{unit=\"web.service\",cause=\"corral\"}") == 1,
            TimeSpan.FromSeconds(10), "the kill counted as a death by corral");
    }

    [Fact]
    public void Every_metric_family_is_listed_in_docs_metrics_md_and_nothing_else_is()
    {
        using var web = StartUnits();
        var served = MetricsText.Families(MetricsText.Scrape(web));
        string doc = File.ReadAllText(Path.Combine(Repo.Root, "docs", "metrics.md"));
        var documented = DocumentedMetric().Matches(doc).Select(x => x.Groups[1].Value).ToHashSet();
        Assert.Empty(served.Except(documented));
        Assert.Empty(documented.Except(served));
    }

    [Fact]
    public void A_real_Prometheus_server_scrapes_the_endpoint_and_answers_a_query_for_a_units_up_series()
    {
        using var web = StartUnits();
        using var prometheus = new PrometheusServer(F.Dir, $"127.0.0.1:{web.Port}");

        Wait.Until(() => prometheus.Query("corral_unit_up{unit=\"web.service\"}") == "1", TimeSpan.FromSeconds(60),
            "Prometheus to answer corral_unit_up{unit=\"web.service\"} with 1");
        Assert.Equal("up", prometheus.Target().Health);
        Assert.Equal("0", prometheus.Query("corral_unit_up{unit=\"crash.service\"}"));

        // It follows the unit: stopped, its series goes to 0 at a later scrape.
        Assert.Equal(0, F.Cli("stop", "web").ExitCode);
        Wait.Until(() => prometheus.Query("corral_unit_up{unit=\"web.service\"}") == "0", TimeSpan.FromSeconds(30),
            "Prometheus to see web.service down");
        Assert.Equal("1", prometheus.Query("corral_deaths_total{unit=\"web.service\",cause=\"corral\"}"));
    }

    /// <summary>The metric names in docs/metrics.md: the first column of its tables, in backquotes.</summary>
    [GeneratedRegex(@"^\| `([a-z_:]+)`", RegexOptions.Multiline)]
    private static partial Regex DocumentedMetric();
}
