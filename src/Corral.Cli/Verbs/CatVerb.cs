using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// systemctl cat: the unit's file and its drop-ins as the daemon loaded them (their paths come from
/// the daemon, so --socket reaches another daemon's directories), each under a "# PATH" line.
/// </summary>
internal static class CatVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("cat", rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count == 0) throw new CliError("cat: name at least one unit");
        int exit = 0;
        for (int i = 0; i < a.Positional.Count; i++)
        {
            if (client.UnitOrReport(a.Positional[i], withProcesses: false, ref exit) is not { } s) continue;
            if (s.FragmentPath is null)
            {
                Console.Error.WriteLine($"corral: {s.Name} has no unit file (it was removed; the unit still runs on what was loaded)");
                exit = 1;
                continue;
            }
            if (i > 0) Console.WriteLine();
            foreach (var (path, n) in s.DropInPaths.Prepend(s.FragmentPath).Select((p, n) => (p, n)))
            {
                if (n > 0) Console.WriteLine();
                Console.WriteLine($"# {path}");
                try
                {
                    string text = File.ReadAllText(path);
                    Console.Write(text.Length == 0 || text.EndsWith('\n') ? text : text + "\n");
                }
                catch (Exception e) when (Core.FileErrors.Is(e))
                {
                    Console.Error.WriteLine($"corral: cannot read {path}: {e.Message}");
                    exit = 1;
                }
            }
        }
        return exit;
    }
}
