using System.Text.Json;
using Corral.Core.Units;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>start, stop, restart, reload: one job per unit, in order; exit 1 if any failed.</summary>
internal static class JobVerb
{
    public static int Run(ApiClient client, string verb, string[] rest)
    {
        var valued = new Dictionary<string, string>();
        if (verb is "stop" or "restart") valued["--timeout"] = "--timeout";
        var flags = new HashSet<string>();
        if (verb == "stop") flags.Add("--no-block");
        var a = new CliArgs(verb, rest, valued, flags);
        if (a.Positional.Count == 0) throw new CliError($"{verb}: name at least one unit");
        if (verb == "isolate" && a.Positional.Count != 1) throw new CliError("isolate: name one target");


        string query = "";
        if (a.Get("--timeout") is { } t)
        {
            if (!TimeSpanParser.TryParse(t, out var span))
                throw new CliError($"{verb}: --timeout '{t}' is not a time span (examples: 1s, 500ms, 1min 30s)");
            query = span == TimeSpan.MaxValue ? "" : $"?timeout-usec={Core.Text.Microseconds.Of(span)}";
        }
        if (a.Has("--no-block")) query += (query.Length == 0 ? "?" : "&") + "no-block=1";

        var names = verb == "isolate" ? [EnableVerb.Target(a.Positional[0])] : a.Positional;
        return client.PostEach(names.Select(u => $"/v1/units/{ApiClient.Unit(u)}/{verb}{query}").ToList(), VerbKind.Job, (i, body) =>
        {
            string unit = a.Positional[i];
            var r = JsonSerializer.Deserialize(body, ApiJson.Default.JobResponse)!;
            foreach (var w in r.Warnings ?? []) Console.Error.WriteLine($"corral: warning: {w}");
            if (r.Escaped is { Count: > 0 } escaped)
                Console.Error.WriteLine($"corral: {ApiClient.Unit(unit)}: {escaped.Count} process(es) had escaped its cgroup and were left running (KillEscaped=yes kills them): "
                    + string.Join(", ", escaped.Select(e => $"{e.Pid} ({e.Comm}) in {e.Cgroup}")));
            if (r.LeftOver is { Count: > 0 } left)
                Console.Error.WriteLine($"corral: {ApiClient.Unit(unit)}: {left.Count} process(es) left running after stop (KillMode): {string.Join(' ', left)}");
        });
    }
}
