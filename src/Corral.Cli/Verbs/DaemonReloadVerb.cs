using System.Text.Json;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

internal static class DaemonReloadVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("daemon-reload", rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count > 0) throw new CliError($"daemon-reload: unexpected argument '{a.Positional[0]}'");
        var (status, body) = client.Send("POST", "/v1/daemon-reload");
        if (status != 200) throw ApiClient.ErrorFrom(status, body);
        var r = JsonSerializer.Deserialize(body, ApiJson.Default.ReloadResponse)!;
        foreach (var d in r.Diagnostics) Console.Error.WriteLine(d);
        return 0;
    }
}
