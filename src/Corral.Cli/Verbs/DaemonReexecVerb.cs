using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// daemon-reexec: the daemon re-executes its program from disk (after an upgrade) keeping every
/// service running. The daemon answers once it has stopped accepting and handed everything over;
/// the next request is then waiting in the socket's backlog for the new program, so the verb
/// returns once the new program answers one.
/// </summary>
internal static class DaemonReexecVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("daemon-reexec", rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count > 0) throw new CliError($"daemon-reexec: unexpected argument '{a.Positional[0]}'");
        var (status, body) = client.Send("POST", "/v1/daemon-reexec");
        if (status != 200) throw ApiClient.ErrorFrom(status, body);
        try
        {
            var (again, _) = client.Send("GET", "/v1/jobs");
            if (again != 200) throw new CliError($"daemon-reexec: the re-executed daemon answers {again}; see its log");
        }
        catch (CliError e)
        {
            throw new CliError($"daemon-reexec: the daemon did not come back after its exec: {e.Message}");
        }
        return 0;
    }
}
