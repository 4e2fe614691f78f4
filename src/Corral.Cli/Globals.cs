namespace Corral.Cli;

/// <summary>
/// The output flags systemctl takes anywhere on the line: -q/--quiet (no state words from is-active
/// and is-failed), --no-legend (no header or footer in lists), --no-pager (accepted: corral never
/// pages its output). They are taken out of the arguments before the verb parses its own, up to a "--".
/// </summary>
internal sealed record Globals(bool Quiet, bool NoLegend)
{
    public static Globals Take(ref string[] args)
    {
        bool quiet = false, noLegend = false;
        var kept = new List<string>(args.Length);
        bool literal = false;
        foreach (var a in args)
        {
            if (literal) { kept.Add(a); continue; }
            switch (a)
            {
                case "--": literal = true; kept.Add(a); break;
                case "-q" or "--quiet": quiet = true; break;
                case "--no-legend": noLegend = true; break;
                case "--no-pager": break;
                default: kept.Add(a); break;
            }
        }
        args = [.. kept];
        return new Globals(quiet, noLegend);
    }
}
