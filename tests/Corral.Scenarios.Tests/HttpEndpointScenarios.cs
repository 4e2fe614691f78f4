using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Corral.Scenarios.Tests.Infrastructure;

namespace Corral.Scenarios.Tests;

/// <summary>
/// The HTTP endpoint (--http): off by default; every GET open and the same data as the socket;
/// actions only with the token of --http-token-file; bad arguments refused before anything runs.
/// </summary>
public sealed class HttpEndpointScenarios : Scenario
{
    private WebEndpoint StartWith(bool withToken = true)
    {
        var web = new WebEndpoint(F, withToken);
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start(web.Args);
        Assert.Equal(0, F.Cli("start", "web").ExitCode);
        return web;
    }

    [Fact]
    public void It_is_off_by_default_the_daemon_listens_on_no_TCP_port()
    {
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        F.Start();
        Assert.Empty(TcpListenersOf(F.DaemonPid));

        // And with --http, the daemon listens on exactly the port given.
        using var g = new DaemonFixture("httpon");
        var web = new WebEndpoint(g);
        g.Start(web.Args);
        Assert.Equal([web.Port], TcpListenersOf(g.DaemonPid));
    }

    [Fact]
    public void Reads_need_no_token_and_give_what_the_socket_gives()
    {
        using var web = StartWith();
        var (status, body, _) = web.Get("/v1/units/web.service");
        Assert.Equal(HttpStatusCode.OK, status);
        var overHttp = JsonDocument.Parse(body).RootElement;
        var overSocket = JsonDocument.Parse(F.Cli("status", "web", "--json").Stdout).RootElement;
        foreach (var key in new[] { "name", "activeState", "subState", "mainPid", "cGroup", "nRestarts" })
            Assert.Equal(overSocket.GetProperty(key).ToString(), overHttp.GetProperty(key).ToString());
        Assert.Equal(HttpStatusCode.OK, web.Get("/v1/units").Status);
        Assert.Equal(HttpStatusCode.OK, web.Get("/v1/deaths?unit=web").Status);
        Assert.Equal(HttpStatusCode.OK, web.Get("/v1/notices").Status);
        Assert.Equal(HttpStatusCode.OK, web.Get("/v1/units/web/logs").Status);
        var (missing, error, _) = web.Get("/v1/units/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("unit nope.service not found", error);
    }

    [Fact]
    public void Actions_need_the_token_in_the_Authorization_header()
    {
        using var web = StartWith();
        var (none, noneBody, noneResp) = web.Post("/v1/units/web/stop");
        Assert.Equal(HttpStatusCode.Unauthorized, none);
        Assert.Contains("Authorization: Bearer TOKEN", noneBody);
        Assert.Equal("Bearer", noneResp.Headers.WwwAuthenticate.Single().Scheme);

        var (wrong, wrongBody, _) = web.Post("/v1/units/web/stop", "not-the-token-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Contains("the token is wrong", wrongBody);
        Assert.Equal(HttpStatusCode.Unauthorized, web.Post("/v1/daemon-reload").Status);
        Assert.Equal("active", F.Prop("web", "ActiveState"));

        Assert.False(JsonDocument.Parse(web.Get("/v1/access").Body).RootElement.GetProperty("actions").GetBoolean());
        Assert.True(JsonDocument.Parse(web.Get("/v1/access", web.Token).Body).RootElement.GetProperty("actions").GetBoolean());

        var (ok, okBody, _) = web.Post("/v1/units/web/stop", web.Token);
        Assert.True(ok == HttpStatusCode.OK, okBody);
        Assert.Equal("inactive", F.Prop("web", "ActiveState"));
        AssertNoSurvivors();
        // The death record says the stop came over HTTP.
        var death = JsonDocument.Parse(F.Cli("why", "web", "--json").Stdout).RootElement.GetProperty("deaths")[0];
        Assert.Equal("stop over HTTP from 127.0.0.1", death.GetProperty("corral").GetProperty("verb").GetString());

        Assert.Equal(HttpStatusCode.OK, web.Post("/v1/units/web/start", web.Token).Status);
        Assert.Equal("active", F.Prop("web", "ActiveState"));
    }

    [Fact]
    public void Without_a_token_file_no_action_is_possible_over_HTTP()
    {
        using var web = StartWith(withToken: false);
        var (status, body, _) = web.Post("/v1/units/web/stop", "anything-at-all-here");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("--http-token-file", body);
        Assert.Equal("active", F.Prop("web", "ActiveState"));
    }

    [Fact]
    public void Malformed_requests_get_400_and_the_endpoint_stays_up()
    {
        using var web = StartWith();
        foreach (var raw in new[] { "GARBAGE\r\n\r\n", "GET /v1/units HTTP/1.1\r\nContent-Length: -4\r\n\r\n", "GET / FTP/1.0\r\n\r\n" })
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(IPAddress.Loopback, web.Port);
            s.Send(System.Text.Encoding.ASCII.GetBytes(raw));
            var buf = new byte[4096];
            int n = s.Receive(buf);
            Assert.StartsWith("HTTP/1.1 400", System.Text.Encoding.ASCII.GetString(buf, 0, n));
        }
        Assert.Equal(HttpStatusCode.NotFound, web.Get("/nothing-here").Status);
        Assert.Equal(HttpStatusCode.OK, web.Get("/").Status);
    }

    [Fact]
    public void Tasks_and_memory_are_sampled_for_the_charts_only_while_HTTP_is_on()
    {
        using var web = StartWith();
        JsonElement samples = default;
        Wait.Until(() =>
        {
            samples = JsonDocument.Parse(web.Get("/v1/units/web/history").Body).RootElement.GetProperty("samples");
            return samples.EnumerateArray().Any(x => x.GetProperty("tasks").ValueKind == JsonValueKind.Number);
        }, TimeSpan.FromSeconds(25), "a sample of web's tasks");
        var sample = samples.EnumerateArray().Last(x => x.GetProperty("tasks").ValueKind == JsonValueKind.Number);
        Assert.True(sample.GetProperty("tasks").GetInt32() >= 1);
        Assert.True(sample.GetProperty("memoryBytes").GetInt64() > 0);
        Assert.Equal(10, JsonDocument.Parse(web.Get("/v1/units/web/history").Body).RootElement.GetProperty("stepSeconds").GetInt32());

        // Without --http nothing is kept, and the socket says so.
        using var g = new DaemonFixture("nohttp");
        g.WriteUnit("web", $"[Service]\nExecStart={g.Workload("sleep")}\n");
        g.Start();
        var (status, body) = g.SocketRequest(System.Text.Encoding.ASCII.GetBytes("GET /v1/units/web.service/history HTTP/1.1\r\nHost: x\r\n\r\n"));
        Assert.Equal(404, status);
        Assert.Contains("it is kept while the HTTP endpoint is on", body);
    }

    [Fact]
    public void The_live_feed_sends_the_units_first_and_a_33rd_page_takes_the_oldest_ones_place()
    {
        using var web = StartWith();
        var pages = new List<Socket>();
        try
        {
            for (int i = 0; i < 32; i++)
            {
                var s = Stream(web.Port);
                pages.Add(s);
                string head = ReadUntil(s, "event: units\ndata: {\"units\":[");
                Assert.StartsWith("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream", head);
            }
            // 32 pages that never read again hold every place: a newcomer (an operator's page) still gets in,
            // and the oldest page is closed for it (its EventSource would reconnect).
            using var newcomer = Stream(web.Port);
            Assert.StartsWith("HTTP/1.1 200 OK", ReadUntil(newcomer, "event: units\ndata: {\"units\":["));
            Assert.True(ClosedWithin(pages[0], TimeSpan.FromSeconds(10)), "the oldest page was not closed");
            Assert.False(ClosedWithin(pages[1], TimeSpan.FromMilliseconds(300)), "a page other than the oldest was closed");
        }
        finally
        {
            foreach (var s in pages) s.Dispose();
        }
    }

    /// <summary>Reads what is pending on the socket until it ends (true) or the time is up (false).</summary>
    private static bool ClosedWithin(Socket s, TimeSpan limit)
    {
        var buf = new byte[65536];
        var end = DateTime.UtcNow + limit;
        s.ReceiveTimeout = 100;
        while (DateTime.UtcNow < end)
        {
            try { if (s.Receive(buf) == 0) return true; }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock) { }
            catch (SocketException) { return true; }
        }
        return false;
    }

    private static Socket Stream(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        s.Connect(IPAddress.Loopback, port);
        s.Send(System.Text.Encoding.ASCII.GetBytes($"GET /v1/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"));
        return s;
    }

    /// <summary>Reads until the text has come (or the connection ends), returning all that was read.</summary>
    private static string ReadUntil(Socket s, string text)
    {
        var got = new System.Text.StringBuilder();
        var buf = new byte[8192];
        while (!got.ToString().Contains(text, StringComparison.Ordinal))
        {
            int n = s.Receive(buf);
            if (n == 0) break;
            got.Append(System.Text.Encoding.UTF8.GetString(buf, 0, n));
        }
        return got.ToString();
    }

    [Theory]
    [InlineData("nonsense", "--http 'nonsense' is not ADDRESS:PORT")]
    [InlineData("localhost:80", "'localhost' is not an IP address")]
    [InlineData("127.0.0.1:99999", "is not a port number")]
    public void A_bad_address_is_refused_naming_the_argument(string address, string message)
    {
        var r = RunDaemon("--http", address);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot), "nothing may have been set up");
    }

    [Fact]
    public void Bad_token_files_are_refused_naming_the_file()
    {
        int port = WebEndpoint.FreePort();
        string missing = Path.Combine(F.Dir, "missing.token");
        Assert.Contains($"--http-token-file {missing}", RunDaemon("--http", $"127.0.0.1:{port}", "--http-token-file", missing).Stderr);

        // Readable by anyone but root, or by its group: refused (0600 or 0400 only), judged on the descriptor read.
        foreach (var mode in new[] { 0x1a4, 0x1a0, 0x1b0 }) // 0644, 0640, 0660
        {
            string open = Path.Combine(F.Dir, $"open{mode}.token");
            File.WriteAllText(open, "0123456789abcdef0123");
            File.SetUnixFileMode(open, (UnixFileMode)mode);
            Assert.Contains($"mode 0{Convert.ToString(mode, 8)}; the token file must be 0600 or 0400", RunDaemon("--http", $"127.0.0.1:{port}", "--http-token-file", open).Stderr);
        }

        // A symlink to a good token file is not followed; a directory is not a token file; nor is a file someone else owns.
        string good = Path.Combine(F.Dir, "good.token");
        File.WriteAllText(good, "0123456789abcdef0123");
        File.SetUnixFileMode(good, UnixFileMode.UserRead);
        string link = Path.Combine(F.Dir, "link.token");
        File.CreateSymbolicLink(link, good);
        Assert.Contains("symbolic link", RunDaemon("--http", $"127.0.0.1:{port}", "--http-token-file", link).Stderr);
        Assert.Contains("not a regular file", RunDaemon("--http", $"127.0.0.1:{port}", "--http-token-file", F.UnitDir).Stderr);
        string foreign = Path.Combine(F.Dir, "foreign.token");
        File.WriteAllText(foreign, "0123456789abcdef0123");
        File.SetUnixFileMode(foreign, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Corral.Linux.FileOwner.Set(foreign, 65534, -1);
        Assert.Contains("owned by uid 65534, not root", RunDaemon("--http", $"127.0.0.1:{port}", "--http-token-file", foreign).Stderr);

        string shortOne = Path.Combine(F.Dir, "short.token");
        File.WriteAllText(shortOne, "abc\n");
        File.SetUnixFileMode(shortOne, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("at least 16 characters", RunDaemon("--http", $"127.0.0.1:{port}", "--http-token-file", shortOne).Stderr);

        Assert.Contains("--http-token-file needs --http", RunDaemon("--http-token-file", shortOne).Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot));
    }

    [Fact]
    public void A_port_already_taken_fails_before_any_service_starts()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        F.WriteUnit("web", $"[Service]\nExecStart={F.Workload("sleep")}\n");
        var r = RunDaemon("--http", $"127.0.0.1:{port}");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains($"--http 127.0.0.1:{port}: cannot listen there", r.Stderr);
        Assert.False(Directory.Exists(F.CgroupRoot), "nothing may have been set up");
        Assert.False(File.Exists(F.Socket));
        AssertNoSurvivors();
    }

    /// <summary>Runs the daemon in the foreground with this fixture's paths, expecting it to refuse and exit.</summary>
    private CliResult RunDaemon(params string[] extra) => F.RunDaemonToExit(extra);

    /// <summary>The TCP ports a process listens on: its socket inodes matched against /proc/net/tcp and tcp6 (state 0A, LISTEN).</summary>
    private static List<int> TcpListenersOf(int pid)
    {
        var inodes = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
            .Where(t => t is not null && t.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(t => t![8..^1]).ToHashSet();
        var ports = new List<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9]))
                    ports.Add(Convert.ToInt32(f[1].Split(':')[1], 16));
            }
        }
        return ports;
    }
}
