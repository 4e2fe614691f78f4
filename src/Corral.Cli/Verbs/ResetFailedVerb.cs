namespace Corral.Cli.Verbs;

/// <summary>corral reset-failed [UNIT...]: as systemctl, every unit when none is named.</summary>
internal static class ResetFailedVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("reset-failed", rest, new Dictionary<string, string>(), new HashSet<string>());
        var paths = a.Positional.Count == 0 ? ["/v1/reset-failed"] : a.Positional.Select(u => $"/v1/units/{ApiClient.Unit(u)}/reset-failed").ToList();
        return client.PostEach(paths, VerbKind.Query);
    }
}
