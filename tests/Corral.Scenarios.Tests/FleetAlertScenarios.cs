using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// Issue #17, item 5: the shipped alerting rules (packaging/prometheus/corral.rules.yml) and Grafana
/// dashboard (packaging/grafana/corral.json), proven on what a real daemon serves: `promtool test
/// rules` on series scraped from it, a real Prometheus loading the rules and evaluating every
/// dashboard query, and the daemon-down alert from Prometheus' own `up`.
/// </summary>
public sealed partial class FleetAlertScenarios : Scenario
{
    private static string Rules => Path.Combine(Repo.Root, "packaging", "prometheus", "corral.rules.yml");
    private static string Dashboard => Path.Combine(Repo.Root, "packaging", "grafana", "corral.json");
    private const string HostA = "host-a.example:9323", HostB = "host-b.example:9323";

    [Fact]
    public void The_alert_rules_fire_on_series_scraped_from_a_real_daemon_each_naming_its_host_and_unit()
    {
        var web = new WebEndpoint(F);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n[X-Corral]\nZombieMax=5\n");
        F.WriteUnit("crash", $"[Service]\nExecStart={F.Workload("exit 3")}\n");
        F.WriteUnit("loop", $"[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart={F.Workload("exit 1")}\nRestart=always\nRestartSec=100ms\n");
        F.WriteUnit("factory", $"[Service]\nExecStart={F.Workload("zombies 3")}\n[X-Corral]\nZombieMax=1\n");
        F.WriteUnit("escape", $"[Service]\nExecStart={F.Workload("sigtree")}\n");
        F.WriteUnit("oom", $"[Service]\nExecStart={F.Workload("alloc 200")}\nMemoryMax=64M\n");
        // A pid-pressure share this machine is always above: the daemon's own threshold is what the rule compares with.
        F.Start([.. web.Args, "--pid-pressure", "0.001%"]);
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        // Before anything went wrong: this scrape is the first sample of every series.
        var before = MetricsText.Samples(MetricsText.Scrape(web));

        F.WriteUnit("broken", "[Service]\nExecStart=relative/path\n");
        Assert.Equal(0, F.Cli("daemon-reload").ExitCode);
        foreach (var u in new[] { "crash", "loop", "factory", "escape", "oom" }) F.Cli("start", u);
        Wait.Until(() => F.Prop("crash", "ActiveState") == "failed", TimeSpan.FromSeconds(10), "crash to fail");
        Wait.Until(() => F.Prop("oom", "Result") == "oom-kill", TimeSpan.FromSeconds(20), "oom to be killed by the OOM killer");
        Wait.Until(() => int.Parse(F.Prop("loop", "NRestarts")) >= 5, TimeSpan.FromSeconds(20), "loop to restart five times");
        Assert.Equal(0, F.Cli("stop", "loop").ExitCode); // its count stays; its state is no longer a moving target
        // A stop that finds the process exiting 1 on its own ends failed (as systemd's would); one that finds
        // it waiting to restart ends inactive. Either is a fixed state now, and the failed rule must say which.
        string loopState = F.Prop("loop", "ActiveState");
        Assert.Contains(loopState, new[] { "inactive", "failed" });
        MoveOneProcessOut("escape", 3);
        Assert.Equal("error", F.Prop("broken", "LoadState"));
        Dictionary<string, double> after = [];
        Wait.Until(() =>
        {
            after = MetricsText.Samples(MetricsText.Scrape(web));
            return after.GetValueOrDefault("corral_unit_zombies{unit=\"factory.service\"}") == 3
                && after.GetValueOrDefault("corral_unit_escaped_processes{unit=\"escape.service\"}") == 1
                && after.GetValueOrDefault("corral_machine_pid_pressure") == 1;
        }, TimeSpan.FromSeconds(15), "the zombies, the escapee and the pid pressure in the metrics");

        // Two hosts of one fleet: host A is this daemon (the first scrape, then the second one every
        // minute); host B served the first scrape, then stopped answering. Labels as a scrape adds them.
        var series = new List<object>();
        foreach (var key in after.Keys.Union(before.Keys))
        {
            string a = before.TryGetValue(key, out double va) ? Num(va) : "_";
            string b = after.TryGetValue(key, out double vb) ? Num(vb) : "_";
            series.Add(new { series = WithTarget(key, HostA), values = $"{a} {b}x20" });
        }
        foreach (var (key, v) in before) series.Add(new { series = WithTarget(key, HostB), values = $"{Num(v)} _x20" });
        series.Add(new { series = WithTarget("up", HostA), values = "1 1x20" });
        series.Add(new { series = WithTarget("up", HostB), values = "1 0x20" });

        var rules = ReadRules();
        // What each rule must say ten minutes in, from what the scenario did (checked above through
        // the CLI): the unit (or the host), and nothing for the hosts and units that are well.
        var expected = new Dictionary<string, (string Host, string? Unit, string? Value, string? State)[]>
        {
            ["CorralDaemonDown"] = [(HostB, null, null, null)],
            ["CorralUnitFailed"] = [.. new[] { "crash", "loop", "oom" }.Where(u => u != "loop" || loopState == "failed").Select(u => (HostA, (string?)$"{u}.service", (string?)null, (string?)"failed"))],
            ["CorralUnitRestartLoop"] = [(HostA, "loop.service", null, null)],
            ["CorralOomKills"] = [(HostA, "oom.service", null, null)],
            ["CorralZombiesOverThreshold"] = [(HostA, "factory.service", "3", null)],
            ["CorralProcessesEscaped"] = [(HostA, "escape.service", "1", null)],
            ["CorralPidPressure"] = [(HostA, null, null, null)],
            ["CorralUnitFileBroken"] = [(HostA, "broken.service", null, null)],
            ["CorralProcessEventsLost"] = [],
            ["CorralOutputLost"] = [],
            ["CorralRecordsHeldInMemory"] = [],
        };
        Assert.Equal(rules.Keys.Order(), expected.Keys.Order()); // every shipped rule is tested here

        var tests = expected.Select(kv => new
        {
            eval_time = "10m",
            alertname = kv.Key,
            exp_alerts = kv.Value.Select(x =>
            {
                var labels = new SortedDictionary<string, string> { ["instance"] = x.Host, ["job"] = "corral", ["severity"] = rules[kv.Key].Severity };
                if (x.Unit is not null) labels["unit"] = x.Unit;
                if (x.State is not null) labels["state"] = x.State;
                return new { exp_labels = labels, exp_annotations = rules[kv.Key].Annotations(labels, x.Value) };
            }).ToArray(),
        }).ToArray();
        var file = new
        {
            rule_files = new[] { Rules },
            evaluation_interval = "1m",
            tests = new[] { new { interval = "1m", input_series = series, alert_rule_test = tests } },
        };
        // YAML holds JSON: the test file is written as JSON, which needs no quoting of its own.
        string testFile = Path.Combine(F.Dir, "corral.rules.test.yml");
        File.WriteAllText(testFile, JsonSerializer.Serialize(file, new JsonSerializerOptions { WriteIndented = true }));
        var (code, output) = Promtool("test", "rules", testFile);
        Assert.True(code == 0, $"promtool test rules failed ({code}):\n{output}");
    }

    [Fact]
    public void A_real_Prometheus_loads_the_rules_evaluates_every_dashboard_query_and_sees_the_daemon_go_down()
    {
        var web = new WebEndpoint(F);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start(web.Args);
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        var served = MetricsText.Families(MetricsText.Scrape(web));
        using var prometheus = new PrometheusServer(F.Dir, $"127.0.0.1:{web.Port}", Rules);
        string target = $"127.0.0.1:{web.Port}";
        Wait.Until(() => prometheus.Query("corral_unit_up{unit=\"web.service\"}") == "1", TimeSpan.FromSeconds(60), "Prometheus to scrape the daemon");

        // Every rule loaded and evaluated without an error.
        JsonElement[] loaded = [];
        Wait.Until(() =>
        {
            loaded = prometheus.Api("/api/v1/rules")!.Value.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray()).ToArray();
            return loaded.Length > 0 && loaded.All(r => r.TryGetProperty("lastEvaluation", out var t) && !t.GetString()!.StartsWith("0001", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), "every rule to be evaluated once");
        Assert.Equal(ReadRules().Keys.Order(), loaded.Select(r => r.GetProperty("name").GetString()!).Order());
        foreach (var r in loaded) Assert.True(r.GetProperty("health").GetString() == "ok", $"rule {r}");

        // The dashboard: valid JSON, and each panel's query accepted by Prometheus and naming only what the daemon serves.
        var dashboard = JsonDocument.Parse(File.ReadAllText(Dashboard)).RootElement;
        var queries = dashboard.GetProperty("panels").EnumerateArray().SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToList();
        Assert.True(queries.Count >= 10, $"{queries.Count} queries");
        foreach (var q in queries.Concat(ReadRules().Values.Select(r => r.Expr)))
        {
            foreach (Match m in MetricName().Matches(q))
                Assert.True(m.Value == "up" || served.Contains(m.Value), $"'{q}' names {m.Value}, which the daemon does not serve");
            string runnable = q.Replace("$instance", ".+").Replace("$__rate_interval", "1m");
            Assert.NotNull(prometheus.Api($"/api/v1/query?query={Uri.EscapeDataString(runnable)}"));
        }
        // The host picker finds this daemon by the scrape's instance label.
        var values = prometheus.Api("/api/v1/label/instance/values?match%5B%5D=corral_unit_up")!.Value.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Contains(target, values);

        // The daemon goes away: Prometheus' own up turns 0 and the alert names this host.
        F.KillDaemon();
        Wait.Until(() =>
        {
            var alerts = prometheus.Api("/api/v1/alerts")!.Value.GetProperty("alerts").EnumerateArray();
            return alerts.Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "CorralDaemonDown"
                && a.GetProperty("labels").GetProperty("instance").GetString() == target);
        }, TimeSpan.FromSeconds(30), "CorralDaemonDown for this host (pending: it fires after a minute)");
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A sample's "name{labels}" with the labels a scrape of <paramref name="instance"/> in job corral adds.</summary>
    private static string WithTarget(string key, string instance)
    {
        string extra = $"instance=\"{instance}\",job=\"corral\"";
        return key.EndsWith('}') ? $"{key[..^1]},{extra}}}" : $"{key}{{{extra}}}";
    }

    private sealed record Rule(string Expr, string Severity, string Summary, string Description)
    {
        /// <summary>The annotations as Prometheus renders them: the rules use only {{ $labels.X }} and {{ $value }}.</summary>
        public Dictionary<string, string> Annotations(IReadOnlyDictionary<string, string> labels, string? value) => new()
        {
            ["summary"] = Render(Summary, labels, value),
            ["description"] = Render(Description, labels, value),
        };

        private static string Render(string template, IReadOnlyDictionary<string, string> labels, string? value) =>
            Template().Replace(template, m => m.Groups[1].Success ? labels[m.Groups[1].Value] : value ?? throw new InvalidOperationException($"{template} needs a value"));
    }

    /// <summary>The shipped rule file's alerts, read by the lines it is written in (one key per line, strings in double quotes).</summary>
    private static Dictionary<string, Rule> ReadRules()
    {
        var rules = new Dictionary<string, Rule>();
        foreach (var block in File.ReadAllText(Rules).Split("- alert: ").Skip(1))
        {
            string Field(string key) => Regex.Match(block, $@"^\s+{key}: (.*)$", RegexOptions.Multiline).Groups[1].Value.Trim();
            string Quoted(string key) => JsonSerializer.Deserialize<string>(Field(key))!;
            rules[block[..block.IndexOf('\n')].Trim()] = new Rule(Field("expr"), Field("severity"), Quoted("summary"), Quoted("description"));
        }
        return rules;
    }

    private static (int Code, string Output) Promtool(params string[] args)
    {
        var (code, stdout, stderr) = Programs.Run(Corral.Tests.Shared.Promtool.Binary, args);
        return (code, stdout + stderr);
    }

    [GeneratedRegex(@"\{\{ \$(?:labels\.([a-z_]+)|value) \}\}")]
    private static partial Regex Template();

    /// <summary>Metric names in a query: corral_*, process_* and Prometheus' up.</summary>
    [GeneratedRegex(@"\b(?:corral_[a-z_]+|process_[a-z_]+|up)\b(?=\s*[\{\[\)\s]|$)")]
    private static partial Regex MetricName();
}
