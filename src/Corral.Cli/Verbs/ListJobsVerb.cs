using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>list-jobs: the jobs in flight as systemctl lists them, with what each still waits for.</summary>
internal static class ListJobsVerb
{
    public static int Run(ApiClient client, string[] rest, Globals g)
    {
        var a = new CliArgs("list-jobs", rest, new Dictionary<string, string>(), new HashSet<string> { "--json" });
        var jobs = client.Get("/v1/jobs", ApiJson.Default.JobList);
        if (a.Has("--json"))
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(jobs, ApiJson.Default.JobList));
            return 0;
        }
        if (jobs.Jobs.Count == 0)
        {
            if (!g.NoLegend) Console.WriteLine("No jobs running.");
            return 0;
        }
        int w = Math.Max(4, jobs.Jobs.Max(j => j.Unit.Length));
        if (!g.NoLegend) Console.WriteLine($"{"JOB",4} {"UNIT".PadRight(w)} {"TYPE",-13} {"STATE",-7} WAITING FOR");
        foreach (var j in jobs.Jobs)
            Console.WriteLine($"{j.Id,4} {j.Unit.PadRight(w)} {j.Type,-13} {j.State,-7} {string.Join(' ', j.WaitingFor)}".TrimEnd());
        if (!g.NoLegend) Console.WriteLine($"\n{jobs.Jobs.Count} job{(jobs.Jobs.Count == 1 ? "" : "s")} listed.");
        return 0;
    }
}
