using System.Globalization;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// security [UNIT...] [--json] [--threshold N]: each service's exposure as `systemd-analyze
/// security` scores its file, check by check, and beside it the same score as Corral runs the unit
/// on this host, with what it does not enforce and why. Without a unit: one line per service.
/// --threshold N (0–100, systemd's scale of tenths): exit 1 when a unit's exposure is above it.
/// </summary>
internal static class SecurityVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("security", rest, new Dictionary<string, string> { ["--threshold"] = "--threshold" }, new HashSet<string> { "--json", "--no-legend" });
        int threshold = 100;
        if (a.Get("--threshold") is { } t && (!int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out threshold) || threshold > 100))
            throw new CliError($"security: --threshold {t}: not a number from 0 to 100 (the exposure in tenths: 50 is 5.0)");
        bool json = a.Has("--json");
        if (a.Positional.Count == 0)
        {
            var all = client.Get("/v1/security", ApiJson.Default.SecurityOverview);
            if (json) Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(all, ApiJson.Default.SecurityOverview));
            else Overview(all, a.Has("--no-legend"));
            return all.Units.Any(u => Tenths(u.Exposure) > threshold) ? 1 : 0;
        }
        bool above = false;
        for (int i = 0; i < a.Positional.Count; i++)
        {
            var report = client.Get($"/v1/units/{ApiClient.Unit(a.Positional[i])}/security", ApiJson.Default.SecurityReport);
            if (json) Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(report, ApiJson.Default.SecurityReport));
            else
            {
                if (i > 0) Console.WriteLine();
                Detail(report);
            }
            above |= Tenths(report.Exposure) > threshold;
        }
        return above ? 1 : 0;
    }

    private static int Tenths(string exposure) => (int)Math.Round(double.Parse(exposure, CultureInfo.InvariantCulture) * 10);

    private static void Overview(SecurityOverview all, bool noLegend)
    {
        int w = Math.Max(4, all.Units.Select(u => u.Unit.Length).DefaultIfEmpty(0).Max());
        if (!noLegend) Console.WriteLine($"{"UNIT".PadRight(w)} EXPOSURE PREDICATE  CORRAL  PREDICATE");
        foreach (var u in all.Units)
            Console.WriteLine($"{u.Unit.PadRight(w)} {u.Exposure,8} {u.Level,-10} {u.CorralExposure,6}  {u.CorralLevel}");
    }

    /// <summary>
    /// The checks, the worst first: a mark (✓ good, ✗ bad, blank: does not apply), the check, what
    /// it found, its share of the exposure; then Corral's own figure where it differs, and why.
    /// </summary>
    private static void Detail(SecurityReport r)
    {
        var rows = r.Checks
            .OrderByDescending(c => Tenths(c.Exposure ?? "0"))
            .ThenByDescending(c => Tenths(c.CorralExposure ?? "0"))
            .ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        int nameW = rows.Max(c => c.Name.Length), descW = Math.Min(70, rows.Max(c => c.Description.Length));
        Console.WriteLine($"  {"NAME".PadRight(nameW)} {"DESCRIPTION".PadRight(descW)} EXPOSURE  AS CORRAL RUNS IT");
        foreach (var c in rows)
        {
            string mark = c.Badness is null ? " " : c.Badness == 0 ? "✓" : "✗";
            string corral = "";
            if (c.CorralBadness != c.Badness)
            {
                string why = c.NotEnforced.Count > 0 ? $"not enforced: {string.Join(' ', c.NotEnforced)}" : c.CorralDescription;
                corral = $"{c.CorralExposure ?? (c.CorralBadness is null ? "n/a" : "0.0")}  {why}";
            }
            Console.WriteLine($"{mark} {c.Name.PadRight(nameW)} {c.Description.PadRight(descW)} {c.Exposure ?? "",8}  {corral}".TrimEnd());
        }
        Console.WriteLine();
        Console.WriteLine($"→ Overall exposure level for {r.Unit}: {r.Exposure} {r.Level} (as systemd-analyze security scores the file)");
        Console.WriteLine($"→ As Corral runs it on this host: {r.CorralExposure} {r.CorralLevel}");
        if (r.NotEnforced.Count > 0)
        {
            Console.WriteLine("  Not enforced here:");
            foreach (var g in r.NotEnforced) Console.WriteLine($"    {g.Directive} {g.Why}");
        }
    }
}
