using Corral.Core.Units;

namespace Corral.Cli.Verbs;

/// <summary>Checks unit files (with their drop-ins) without a daemon: every warning and error with file and line; exit 1 on errors.</summary>
internal static class VerifyVerb
{
    public static int Run(string[] rest)
    {
        var a = new CliArgs("verify", rest, new Dictionary<string, string>(), new HashSet<string>());
        if (a.Positional.Count == 0) throw new CliError("verify: name at least one unit file");
        bool errors = false;
        foreach (var file in a.Positional)
        {
            // With the drop-ins beside it (NAME.service.d/*.conf), as the daemon would load it.
            string dir = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";
            var result = ServiceUnitLoader.LoadFile(file, Daemon.Services.UnitCatalog.DropIns([dir], Path.GetFileName(file)));
            foreach (var d in result.Diagnostics) Console.Error.WriteLine(d);
            // Known systemd directives the service would run without: apart from unknown keys.
            foreach (var n in result.NotEnforced) Console.Error.WriteLine(n);
            errors |= result.HasErrors;
        }
        return errors ? 1 : 0;
    }
}
