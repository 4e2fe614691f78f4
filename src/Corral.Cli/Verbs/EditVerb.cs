using System.Diagnostics;
using System.Text.Json;
using Corral.Core.Units;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>
/// systemctl edit: the unit's drop-in NAME.service.d/override.conf beside its file (or, with --full,
/// the file itself) is opened in an editor on a temporary copy; what comes back is checked with the
/// unit's file and other drop-ins exactly as the daemon will load them, installed only if it has no
/// error (atomically: written beside the target, then renamed over it), and the daemon reloaded. An
/// emptied drop-in is removed. A failed check or editor leaves every file as it was and says where
/// the edited text was kept.
/// </summary>
internal static class EditVerb
{
    private const string Marker = "### Everything from this line on is discarded.";

    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("edit", rest, new Dictionary<string, string>(), new HashSet<string> { "--full" });
        if (a.Positional.Count != 1) throw new CliError("edit: name one unit");
        bool full = a.Has("--full");
        var s = client.Get($"/v1/units/{ApiClient.Unit(a.Positional[0])}", ApiJson.Default.UnitStatus);
        if (s.FragmentPath is not { } fragment || !File.Exists(fragment))
            throw new CliError($"edit: {s.Name} has no unit file to edit (it was removed)");
        // An instance made from its template's file gets, with --full, a file of its own beside the
        // template, starting as the template's text (as systemctl edit --full does); the template stays.
        bool copy = full && Path.GetFileName(fragment) != s.Name;
        string target = full ? (copy ? Path.Combine(Path.GetDirectoryName(fragment)!, s.Name) : fragment)
            : Path.Combine(Path.GetDirectoryName(fragment)!, s.Name + ".d", "override.conf");
        string before = File.Exists(target) ? File.ReadAllText(target) : copy ? File.ReadAllText(fragment) : "";

        string work = Directory.CreateTempSubdirectory("corral-edit.").FullName;
        string temp = Path.Combine(work, Path.GetFileName(target));
        File.WriteAllText(temp, full ? before : before + Guide(s, target, fragment));
        RunEditor(temp);
        string edited = File.ReadAllText(temp);
        if (!full && edited.IndexOf(Marker, StringComparison.Ordinal) is var at and >= 0) edited = edited[..at];
        if (!full) edited = edited.Trim().Length == 0 ? "" : edited.TrimEnd() + "\n";
        if (edited == before)
        {
            Directory.Delete(work, true);
            Console.Error.WriteLine($"corral: edit: {target} unchanged; nothing to reload");
            return 0;
        }
        if (full && edited.Trim().Length == 0)
            throw new CliError($"edit: the edited unit file is empty; {target} was left as it was (use a drop-in, or remove the file, to drop the unit)");

        // Checked as the daemon will load it: the unit's file and every drop-in, this one as edited.
        var paths = s.DropInPaths.Where(p => p != target).ToList();
        if (!full && edited.Length > 0) paths.Add(target);
        var dropIns = paths.OrderBy(Path.GetFileName, StringComparer.Ordinal)
            .Select(p => (p, p == target ? edited : File.ReadAllText(p))).ToList();
        var check = ServiceUnitLoader.Load(full ? target : fragment, full ? edited : File.ReadAllText(fragment), dropIns, s.Name);
        foreach (var d in check.Diagnostics) Console.Error.WriteLine(d);
        if (check.HasErrors)
            throw new CliError($"edit: not installed, {target} is as it was; the edited text is kept in {temp}");

        Install(target, edited, full);
        Directory.Delete(work, true);
        var (status, body) = client.Send("POST", "/v1/daemon-reload");
        if (status != 200) throw ApiClient.ErrorFrom(status, body);
        var r = JsonSerializer.Deserialize(body, ApiJson.Default.ReloadResponse)!;
        foreach (var d in r.Diagnostics.Where(d => d.StartsWith(fragment, StringComparison.Ordinal) || d.StartsWith(target, StringComparison.Ordinal)))
            Console.Error.WriteLine(d);
        Console.Error.WriteLine(edited.Length == 0
            ? $"corral: removed the empty {target}; reloaded"
            : $"corral: wrote {target}; reloaded (a running {s.Name} takes it at its next start)");
        return 0;
    }

    /// <summary>What the editor shows under the drop-in: how it works and the unit file, commented out.</summary>
    private static string Guide(UnitStatus s, string target, string fragment)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("\n").Append(Marker).Append('\n');
        sb.Append($"### Above it: the drop-in {target} for {s.Name}; its settings apply on top of the unit file's.\n");
        sb.Append("### Leave it empty to remove the drop-in. A list setting (ExecStart= …) is emptied by an empty assignment first.\n");
        foreach (var path in s.DropInPaths.Where(p => p != target).Prepend(fragment))
        {
            sb.Append($"###\n### {path}\n");
            foreach (var line in File.ReadAllText(path).Split('\n')) sb.Append("# ").Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>$CORRAL_EDITOR, $EDITOR or $VISUAL (a command line, run by the shell), else the first of editor, nano, vim, vi.</summary>
    private static void RunEditor(string file)
    {
        string? editor = new[] { "CORRAL_EDITOR", "EDITOR", "VISUAL" }.Select(Environment.GetEnvironmentVariable).FirstOrDefault(e => !string.IsNullOrWhiteSpace(e))
            ?? new[] { "editor", "nano", "vim", "vi" }.FirstOrDefault(OnPath)
            ?? throw new CliError($"edit: no editor: set EDITOR (the copy to edit is {file})");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in new[] { "-c", editor + " \"$@\"", "editor", file }) psi.ArgumentList.Add(arg);
        using var p = Process.Start(psi) ?? throw new CliError($"edit: cannot run the editor '{editor}'");
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new CliError($"edit: the editor '{editor}' exited with {p.ExitCode}; nothing was installed (the copy is {file})");
    }

    private static bool OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, name)));

    /// <summary>Written beside the target and renamed over it: the daemon never reads half a file. An empty drop-in is removed.</summary>
    private static void Install(string target, string text, bool full)
    {
        if (!full && text.Length == 0)
        {
            File.Delete(target);
            string dir = Path.GetDirectoryName(target)!;
            if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string tmp = target + ".corral-edit";
        var mode = File.Exists(target) ? File.GetUnixFileMode(target)
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        using (var f = new FileStream(tmp, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = mode }))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            f.Write(bytes);
            f.Flush(flushToDisk: true);
        }
        File.Move(tmp, target, overwrite: true);
    }
}
