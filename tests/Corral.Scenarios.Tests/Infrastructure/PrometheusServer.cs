using System.Diagnostics;
using System.Text.Json;

namespace Corral.Scenarios.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server (Debian's package) for one test: its own config, storage and loopback
/// port, scraping one target every second. Dispose stops it (it is our child) and removes its files.
/// </summary>
public sealed class PrometheusServer : IDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    private readonly Process _process;
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _dir;

    /// <param name="ruleFile">an alerting rule file to load, evaluated every second</param>
    public PrometheusServer(string parentDir, string target, string? ruleFile = null)
    {
        _dir = Directory.CreateDirectory(Path.Combine(parentDir, "prometheus")).FullName;
        Port = WebEndpoint.FreePort();
        File.WriteAllText(Path.Combine(_dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [{(ruleFile is null ? "" : $"'{ruleFile}'")}]
            scrape_configs:
              - job_name: corral
                static_configs:
                  - targets: ['{target}']
            """);
        var psi = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { $"--config.file={Path.Combine(_dir, "prometheus.yml")}", $"--storage.tsdb.path={Path.Combine(_dir, "data")}",
                     $"--web.listen-address=127.0.0.1:{Port}" })
            psi.ArgumentList.Add(a);
        _process = Process.Start(psi)!;
        var log = new StreamWriter(Path.Combine(_dir, "prometheus.log")) { AutoFlush = true };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Port { get; }

    public string Log => File.Exists(Path.Combine(_dir, "prometheus.log")) ? File.ReadAllText(Path.Combine(_dir, "prometheus.log")) : "";

    /// <summary>An instant query; the value of the first series, or null when there is none (yet).</summary>
    public string? Query(string promql)
    {
        var result = Api($"/api/v1/query?query={Uri.EscapeDataString(promql)}")?.GetProperty("result");
        return result is not { } r || r.GetArrayLength() == 0 ? null : r[0].GetProperty("value")[1].GetString();
    }

    /// <summary>The "data" of a GET of the HTTP API (/api/v1/...), or null while it does not answer yet; an API error fails the test with Prometheus' words.</summary>
    public JsonElement? Api(string pathAndQuery)
    {
        if (_process.HasExited) throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Log}");
        HttpResponseMessage resp;
        try { resp = _client.GetAsync($"http://127.0.0.1:{Port}{pathAndQuery}").Result; }
        catch (AggregateException e) when (e.InnerException is HttpRequestException or TaskCanceledException) { return null; }
        using (resp)
        {
            if (resp.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable) return null; // still starting
            var root = JsonDocument.Parse(resp.Content.ReadAsStringAsync().Result).RootElement;
            Assert.True(root.GetProperty("status").GetString() == "success", $"GET {pathAndQuery}: {root}");
            return root.GetProperty("data").Clone();
        }
    }

    /// <summary>The health of the scrape target as Prometheus reports it (up, down, unknown) and its last error.</summary>
    public (string Health, string Error) Target()
    {
        string json = _client.GetStringAsync($"http://127.0.0.1:{Port}/api/v1/targets").Result;
        var t = JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("activeTargets")[0];
        return (t.GetProperty("health").GetString()!, t.GetProperty("lastError").GetString()!);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(); // our own child, by its Process handle
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        _client.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
