using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>Bad input never hurts: malformed API requests get a clear error and the daemon stays up; a unit edited into nonsense keeps running.</summary>
public sealed class BadInputScenarios : Scenario
{
    private (int Status, string Body) Raw(byte[] request) => F.SocketRequest(request);

    private static byte[] Get(string target) => Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
    private static byte[] Post(string target) => Encoding.ASCII.GetBytes($"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");

    public static IEnumerable<object[]> Malformed() =>
    [
        [Encoding.ASCII.GetBytes("HELLO\r\n\r\n"), 400, "malformed request line"],
        [Encoding.ASCII.GetBytes("GET /v1/units\r\n\r\n"), 400, "malformed request line"],
        [Encoding.ASCII.GetBytes("GET /v1/units HTTP/1.1\r\nContent-Length: -5\r\n\r\n"), 400, "invalid Content-Length"],
        [Encoding.ASCII.GetBytes("POST /v1/units HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"), 400, "invalid Content-Length"],
        [Encoding.ASCII.GetBytes("GET /v1/units HTTP/1.1\r\nX: " + new string('a', 20000) + "\r\n\r\n"), 400, "headers too long"],
        [Encoding.ASCII.GetBytes("GET /v1/units HTTP/1.1\r\nHost: x"), 400, "connection closed early"],
        [Get("/nothing"), 404, "no such API path /nothing"],
        [Get("/v1/units/nosuch.service"), 404, "unit nosuch.service not found"],
        [Get("/v1/units/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), 404, "no such API path /v1/units/../../etc/passwd"],
        [Get("/v1/units/web.service/logs?lines=abc"), 400, "lines 'abc' is not a number"],
        [Get("/v1/deaths?limit=-1"), 400, "limit '-1' is not a number"],
        [Get("/v1/deaths?after=1e9"), 400, "after '1e9' is not a number"],
        [Get("/v1/notices?since-usec=yesterday"), 400, "since-usec 'yesterday' is not a number"],
        [Get("/v1/units/%zz"), 404, "not found"],
        [Post("/v1/units/web.service/kill?signal=SIGFOO"), 400, "'SIGFOO' is not a signal"],
        [Post("/v1/units/web.service/kill?signal=9&whom=everyone"), 400, "kill-whom 'everyone' is not one of main, control, all"],
        [Post("/v1/units/web.service/stop?timeout-usec=soon"), 400, "timeout-usec 'soon' is not a number of microseconds"],
        [Post("/v1/units/web.service/explode"), 404, "no such API path /v1/units/web.service/explode"],
        [Encoding.ASCII.GetBytes("DELETE /v1/units HTTP/1.1\r\n\r\n"), 405, "DELETE /v1/units is not supported"],
        [new byte[] { 0xff, 0xfe, 0x00, 0x01, (byte)'\r', (byte)'\n', (byte)'\r', (byte)'\n' }, 400, "malformed request line"],
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_request_gets_a_clear_error_and_the_daemon_stays_up(byte[] request, int status, string message)
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "web").ExitCode);

        var (code, body) = Raw(request);

        Assert.Equal(status, code);
        using var doc = JsonDocument.Parse(body);
        Assert.False(doc.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(message, doc.RootElement.GetProperty("error").GetString());
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.Equal("active", F.Prop("web", "ActiveState"));
        Assert.DoesNotContain("internal error", File.ReadAllText(F.DaemonLog));
    }

    [Fact]
    public void Random_bytes_on_the_socket_never_bring_the_daemon_down()
    {
        F.Start();
        var rng = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            var junk = new byte[rng.Next(1, 3000)];
            rng.NextBytes(junk);
            if (rng.Next(2) == 0) junk = [.. Encoding.ASCII.GetBytes("GET /v1/units/"), .. junk, .. "\r\n\r\n"u8];
            var (code, _) = Raw(junk);
            Assert.True(code is 0 or 400 or 404 or 405, $"input {i}: status {code}");
        }
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.DoesNotContain("internal error", File.ReadAllText(F.DaemonLog));
    }

    [Fact]
    public void A_unit_edited_into_nonsense_keeps_running_and_daemon_reload_reports_the_error()
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\nTimeoutStopSec=5\n");
        F.Start();
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        string main = F.Prop("web", "MainPID");

        F.WriteUnit("web", "[Service]\nExecStart=\nKillMode=sideways\n\u0000garbage[[\n");
        var reload = F.Cli("daemon-reload");

        Assert.Equal(0, reload.ExitCode);
        Assert.Contains("web.service:3: error: KillMode=sideways is not one of control-group, mixed, process, none", reload.Stderr);
        Assert.Equal(main, F.Prop("web", "MainPID"));
        Assert.Equal("active", F.Prop("web", "ActiveState"));
        Assert.Equal("error", F.Prop("web", "LoadState"));
        Assert.Contains("running on the definition loaded before", F.Cli("status", "web").Stdout);
        // Stop still works, with the definition it runs on.
        Assert.Equal(0, F.Cli("stop", "web").ExitCode);
        AssertNoSurvivors();
    }

    [Fact]
    public void An_EnvironmentFile_that_is_a_FIFO_a_device_or_huge_fails_its_start_at_once_and_stalls_nothing()
    {
        string fifo = Path.Combine(F.Dir, "env.fifo");
        using (var mk = System.Diagnostics.Process.Start("/usr/bin/mkfifo", [fifo])!) mk.WaitForExit();
        string huge = Path.Combine(F.Dir, "env.huge");
        File.WriteAllText(huge, "A=" + new string('x', 2 << 20) + "\n");
        F.WriteUnit("fifo", $"[Service]\nExecStart={F.Workload("sleep")}\nEnvironmentFile=-{fifo}\n");
        F.WriteUnit("device", $"[Service]\nExecStart={F.Workload("sleep")}\nEnvironmentFile=/dev/zero\n");
        F.WriteUnit("huge", $"[Service]\nExecStart={F.Workload("sleep")}\nEnvironmentFile={huge}\n");
        F.WriteUnit("missing", $"[Service]\nExecStart={F.Workload("sleep")}\nEnvironmentFile=-{Path.Combine(F.Dir, "none")}\n");
        F.Start();

        // A FIFO nobody writes would have blocked the read (and the unit) forever, even with '-'.
        var fifoStart = F.Cli("start", "fifo");
        Assert.Equal(1, fifoStart.ExitCode);
        Assert.Contains($"EnvironmentFile={fifo}: not a regular file but a FIFO; not read", fifoStart.Stderr);
        // /dev/zero would have been read until the daemon's memory ran out.
        var device = F.Cli("start", "device");
        Assert.Equal(1, device.ExitCode);
        Assert.Contains("EnvironmentFile=/dev/zero: not a regular file but a character device; not read", device.Stderr);
        var big = F.Cli("start", "huge");
        Assert.Equal(1, big.ExitCode);
        Assert.Contains($"EnvironmentFile={huge}: larger than 1024 KiB; not read", big.Stderr);
        Assert.Empty(Survivors.Alive(F.PidsDir));

        // '-' still forgives a file that is not there; the daemon answers throughout.
        Assert.Equal(0, F.Cli("start", "missing").ExitCode);
        Assert.Equal(0, F.Cli("list").ExitCode);
        Assert.Equal("failed", F.Prop("fifo", "ActiveState"));
        Assert.Equal(0, F.Cli("stop", "missing").ExitCode);
    }
}
