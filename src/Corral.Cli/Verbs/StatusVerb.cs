using System.Text.Json;
using Corral.Cli.Rendering;
using Corral.Daemon.Wire;

namespace Corral.Cli.Verbs;

/// <summary>Like systemctl status: exit 0 when active, 3 when not, 4 when there is no such unit.</summary>
internal static class StatusVerb
{
    public static int Run(ApiClient client, string[] rest)
    {
        var a = new CliArgs("status", rest, new Dictionary<string, string>(), new HashSet<string> { "--json" });
        if (a.Positional.Count == 0) return Overview(client, a.Has("--json"));
        int exit = 0;
        foreach (var unit in a.Positional)
        {
            if (client.UnitOrReport(unit, withProcesses: true, ref exit) is not { } s) continue;
            if (a.Has("--json")) Console.WriteLine(JsonSerializer.Serialize(s, ApiJson.Default.UnitStatus));
            else
            {
                Print(s);
                var last = client.Get($"/v1/deaths?unit={ApiClient.Unit(unit)}&role=main&limit=1", ApiJson.Default.DeathList).Deaths;
                if (last.Count > 0) Console.WriteLine($" Last death: {last[0].Sentence} [{last[0].Cause}]");
            }
            if (exit == 0 && s.ActiveState is not ("active" or "reloading")) exit = 3;
        }
        return exit;
    }

    private static int Overview(ApiClient client, bool json)
    {
        var list = client.Get("/v1/units", ApiJson.Default.UnitList);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(list, ApiJson.Default.UnitList));
            return 0;
        }
        Console.WriteLine($"corral daemon at {client.SocketPath}: {list.Units.Count} units, {list.Units.Count(u => u.ActiveState == "active")} active, {list.Units.Count(u => u.ActiveState == "failed")} failed");
        if (list.Machine is { } m)
        {
            var use = new Linux.Procfs.ProcessTableUse(m.Processes, m.Threads, m.PidMax, m.ThreadsMax);
            string pressure = m.UnderPressure ? $" — PRESSURE: past the warning share of {Linux.Procfs.ProcessTableUse.Percent(m.PressureShare)}" : "";
            Console.WriteLine($"Process table: {use}{pressure}");
            Console.WriteLine($"Process events: {m.ProcEvents} read, {m.ConnectorOverruns} socket overruns, {m.Rescans} rescans, {m.ExitsLost} exits lost");
        }
        foreach (var u in list.Units)
            Console.WriteLine($"{Dot(u)} {u.Name,-30} {State(u)}{(u.MainPid > 0 ? $" main {u.MainPid}" : "")}");
        return 0;
    }

    /// <summary>
    /// The state in words: "active (running)", "failed (exit-code)", "error: FILE:LINE: …" for a unit
    /// whose file did not load (nothing can start it until it is fixed), "(frozen)" after a frozen one.
    /// </summary>
    public static string State(UnitStatus u)
    {
        if (u.LoadState == "error" && u.ActiveState is "inactive" or "failed")
            return $"error: {u.LoadError}";
        string sub = u.ActiveState == "failed" ? u.Result : u.SubState;
        return $"{u.ActiveState} ({sub}){(u.FreezerState == "running" ? "" : $" ({u.FreezerState})")}";
    }

    private static string Dot(UnitStatus s) => s.LoadState == "error" ? "×" : s.ActiveState switch { "active" or "reloading" => "●", "failed" => "×", _ => "○" };

    private static string NotEnforcedMark(UnitStatus s, string directive) => s.IsEnforced(directive) ? "" : ", not enforced";

    public static void Print(UnitStatus s)
    {
        Console.WriteLine($"{Dot(s)} {s.Name}{(s.Description.Length > 0 ? " - " + s.Description : "")}");
        // The error names its file and line already ("/u/web.service:3: …"): the path is not said twice.
        string file = s.FragmentPath is { Length: > 0 } f ? f + (s.UnitFileState is { } ufs ? $"; {ufs}" : "") : "built into Corral";
        string loaded = s.LoadState != "error" ? $"{s.LoadState} ({file})"
            : s.LoadError is { } le && s.FragmentPath is { } fp && le.StartsWith(fp, StringComparison.Ordinal) ? $"error ({le})"
            : $"error ({s.FragmentPath}; {s.LoadError})";
        Console.WriteLine($"     Loaded: {loaded}");
        if (s.DropInPaths.Count > 0)
        {
            // systemctl's layout: each directory once, its files under it.
            bool first = true;
            foreach (var dir in s.DropInPaths.GroupBy(p => Path.GetDirectoryName(p)))
            {
                Console.WriteLine($"{(first ? "    Drop-In: " : "             ")}{dir.Key}");
                Console.WriteLine($"             └─{string.Join(", ", dir.Select(Path.GetFileName))}");
                first = false;
            }
        }
        string since = s.StateSince is { } t ? $" since {Core.Text.TimeText.Stamp(t)}; {Units.Ago(t)}" : "";
        string result = s.ActiveState == "failed" ? $" (Result: {s.Result})" : "";
        string frozen = s.FreezerState == "running" ? "" : $" ({s.FreezerState})";
        Console.WriteLine(s.LoadState == "error" && s.ActiveState is "inactive" or "failed"
            ? $"     Active: error: the unit file did not load; fix it and run corral daemon-reload"
            // A failed unit's sub-state is "failed" too: said once, as systemctl says it.
            : $"     Active: {s.ActiveState}{(s.ActiveState == "failed" ? "" : $" ({s.SubState})")}{frozen}{result}{since}");
        if (s.Timer is { } timer)
        {
            if (s.ActiveState == "active")
                Console.WriteLine($"    Trigger: {(timer.NextElapse is { } next ? $"{Core.Text.TimeText.Stamp(next)}; {Units.Left(next)}" : "n/a")}");
            Console.WriteLine($"   Triggers: {timer.Unit}");
            Console.WriteLine($"         On: {string.Join("; ", timer.Triggers)}");
            if (timer.LastTrigger is { } last) Console.WriteLine($"       Last: {Core.Text.TimeText.Stamp(last)}; {Units.Ago(last)}");
        }
        if (s.Socket is { } socket)
        {
            bool first = true;
            foreach (var l in socket.Listen)
            {
                Console.WriteLine($"{(first ? "     Listen: " : "             ")}{l.Address} ({l.Type})");
                first = false;
            }
            Console.WriteLine($"   Triggers: {socket.Service}");
            if (socket.LastTrigger is not null) Console.WriteLine($"       Last: {socket.LastTrigger} ({socket.Triggers} start{(socket.Triggers == 1 ? "" : "s")} so far)");
        }
        if (s.TriggeredBy.Count > 0) Console.WriteLine($"TriggeredBy: {string.Join(' ', s.TriggeredBy)}");
        for (int i = 0; i < s.Documentation.Count; i++) Console.WriteLine($"{(i == 0 ? "       Docs: " : "             ")}{s.Documentation[i]}");
        if (s.StartedBy is not null && s.Timer is null) Console.WriteLine($" Started by: {s.StartedBy}");
        if (s.Job is not null) Console.WriteLine($"        Job: {s.Job}");
        if (s.MainPid > 0)
            Console.WriteLine($"   Main PID: {s.MainPid} ({s.MainCommand ?? "?"})");
        else if (s.ExecMainPid > 0 && s.ExecMainText is not null)
            Console.WriteLine($"   Main PID: {s.ExecMainPid} ({s.ExecMainText})");
        if (s.StatusText is not null) Console.WriteLine($"     Status: \"{s.StatusText}\"");
        string tested = s.ConditionAt is { } ct ? $" at {Core.Text.TimeText.Stamp(ct)}; {Units.Ago(ct)}" : "";
        if (s.UnmetCondition is not null) Console.WriteLine($"  Condition: start skipped{tested}: {s.UnmetCondition}");
        if (s.UnmetAssert is not null) Console.WriteLine($"     Assert: start assertion failed{tested}: {s.UnmetAssert}");
        if (s.ControlPid > 0) Console.WriteLine($"    Control: {s.ControlPid}");
        if (s.LastError is not null) Console.WriteLine($"      Error: {s.LastError}");
        if (s.NotifyRefused > 0) Console.WriteLine($"     Notify: {s.NotifyRefused} message{(s.NotifyRefused == 1 ? "" : "s")} refused; the last: {s.NotifyLastRefused}");
        if (s.TasksCurrent is { } tasks)
            Console.WriteLine($"      Tasks: {tasks}{(s.TasksMax is { } tm ? $" (limit: {tm}{NotEnforcedMark(s, "TasksMax")})" : "")}");
        if (s.MemoryCurrent is { } mem)
            Console.WriteLine($"     Memory: {Units.Bytes(mem)}{(s.MemoryMax is { } mm ? $" (max: {Units.Bytes(mm)}{NotEnforcedMark(s, "MemoryMax")})" : "")}");
        foreach (var n in s.NotEnforced)
            Console.WriteLine($"    Warning: {n.Message}");
        foreach (var w in s.SpawnWarnings)
            Console.WriteLine($"    Warning: {w}");
        if (s.RunsWithout.Count > 0)
            Console.WriteLine($"    Warning: runs without: {string.Join(", ", s.RunsWithout)} (read, not enforced by Corral yet: corral verify lists where)");
        if (s.Zombies.Count > 0)
            Console.WriteLine($"    Zombies: {s.Zombies.Sum(z => z.Count)}{(s.ZombieMax is { } zm ? $" (max: {zm})" : "")} — {string.Join("; ", s.Zombies.Select(z => $"pid {z.ParentPid} ({z.ParentComm}) has not reaped {z.Count}, the oldest for {Units.Ago(z.OldestSince).Replace(" ago", "")}"))}");
        foreach (var e in s.Escaped)
            Console.WriteLine($"    Escaped: {e.Pid} ({e.Comm}) left the cgroup, now in {e.Cgroup}");
        if (s.LeftOver.Count > 0)
            Console.WriteLine($"  Left over: {string.Join(' ', s.LeftOver)} (still running after stop)");
        if (s.CGroup is not null)
        {
            Console.WriteLine($"     CGroup: {s.CGroup}");
            foreach (var line in ProcessTree.Lines(s.Processes)) Console.WriteLine($"             {line}");
        }
    }
}
