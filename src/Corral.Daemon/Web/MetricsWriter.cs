using Corral.Daemon.Api;
using Corral.Daemon.Deaths;
using Corral.Daemon.Monitoring;
using Corral.Daemon.Services;
using Corral.Linux.Procfs;
using Corral.Daemon.Wire;

namespace Corral.Daemon.Web;

/// <summary>
/// /metrics: every unit's state and usage, the deaths and notices recorded, the machine's process
/// table, and the daemon's own CPU, memory and process-event counters. The same figures as the
/// socket API (manager.List(), the event store, the health monitor). docs/metrics.md lists them.
/// </summary>
internal sealed class MetricsWriter(Manager manager, EventStore store, HealthMonitor monitor)
{
    /// <summary>The active states, each a series of corral_unit_state (1 for the unit's current one).</summary>
    public static readonly string[] ActiveStates = ["active", "reloading", "inactive", "failed", "activating", "deactivating"];

    /// <summary>The HTTP endpoint, for its own counters.</summary>
    public HttpEndpoint? Endpoint { get; init; }

    /// <summary>The notification socket's counters.</summary>
    public NotifyCounters? Notify { get; init; }

    public string Write()
    {
        var units = manager.List();
        var m = new PrometheusText();
        WriteUnits(m, units);
        WriteEvents(m, units);
        WriteMachine(m, monitor.Machine());
        WriteSelf(m);
        if (Notify is { } n)
        {
            m.Family("corral_notify_messages_accepted_total", "counter", "Notification messages (sd_notify) acted on.").Sample(n.AcceptedCount);
            m.Family("corral_notify_messages_refused_total", "counter", "Notification messages refused, by reason: malformed, oversized, no-credentials, sender-gone, not-a-unit (a sender in no unit of this daemon), notify-access (NotifyAccess= does not let it speak), bad-mainpid.");
            foreach (var (reason, count) in n.RefusedCounts()) m.Sample(count, ("reason", reason));
        }
        if (Endpoint is { } e)
        {
            m.Family("corral_http_requests_refused_total", "counter", "HTTP requests refused for their Host, their Origin or their token.").Sample(e.Refused);
            m.Family("corral_http_connections_evicted_total", "counter", "HTTP connections closed before their request was read, to make room for new ones, and live pages dropped for new ones.")
                .Sample(e.Connections.Evictions + e.LiveFeedEvictions);
        }
        return m.ToString();
    }

    private static void WriteUnits(PrometheusText m, List<UnitStatus> units)
    {
        m.Family("corral_unit_info", "gauge", "Always 1: a unit Corral knows, with its load state (loaded, error, not-found), Type= and Restart=.");
        foreach (var u in units)
            m.Sample(1, ("unit", u.Name), ("load_state", u.LoadState), ("type", u.Type), ("restart", u.Restart));

        m.Family("corral_unit_load_error", "gauge", "1 when the unit's file did not load (an error in it, or it cannot be read): nothing can start the unit until it is fixed; corral status UNIT says why.");
        foreach (var u in units) m.Sample(u.LoadState == "error" ? 1 : 0, ("unit", u.Name));

        m.Family("corral_unit_frozen", "gauge", "1 while the unit's processes are frozen (corral freeze), or being frozen.");
        foreach (var u in units) m.Sample(u.FreezerState is "frozen" or "freezing" ? 1 : 0, ("unit", u.Name));

        m.Family("corral_unit_up", "gauge", "1 when the unit is active (running, or reloading), 0 otherwise.");
        foreach (var u in units) m.Sample(u.ActiveState is "active" or "reloading" ? 1 : 0, ("unit", u.Name));

        m.Family("corral_unit_state", "gauge", "1 for the unit's current active state, 0 for the others.");
        foreach (var u in units)
            foreach (var s in ActiveStates)
                m.Sample(s == u.ActiveState ? 1 : 0, ("unit", u.Name), ("state", s));

        m.Family("corral_unit_state_change_timestamp_seconds", "gauge", "When the unit entered its current state, in seconds since the epoch.");
        foreach (var u in units)
            if (u.StateSince is { } t) m.Sample(t.ToUnixTimeMilliseconds() / 1000.0, ("unit", u.Name));

        m.Family("corral_unit_main_pid", "gauge", "The main process's pid; 0 when there is none.");
        foreach (var u in units) m.Sample(u.MainPid, ("unit", u.Name));

        m.Family("corral_unit_restarts_total", "counter", "Automatic restarts by Restart= since the last start by hand (NRestarts=), which sets it back to 0.");
        foreach (var u in units) m.Sample(u.NRestarts, ("unit", u.Name));

        m.Family("corral_unit_tasks", "gauge", "Tasks (processes and threads) in the unit's cgroup, by the pids controller.");
        foreach (var u in units) if (u.TasksCurrent is { } t) m.Sample(t, ("unit", u.Name));

        m.Family("corral_unit_tasks_max", "gauge", "TasksMax= of the unit; absent when unlimited.");
        foreach (var u in units) if (u.TasksMax is { } t) m.Sample(t, ("unit", u.Name));

        m.Family("corral_unit_memory_bytes", "gauge", "Memory charged to the unit's cgroup, in bytes.");
        foreach (var u in units) if (u.MemoryCurrent is { } b) m.Sample(b, ("unit", u.Name));

        m.Family("corral_unit_memory_max_bytes", "gauge", "MemoryMax= of the unit in bytes; absent when unlimited.");
        foreach (var u in units) if (u.MemoryMax is { } b) m.Sample(b, ("unit", u.Name));

        m.Family("corral_unit_zombies", "gauge", "Zombie processes of the unit: exited, and not reaped by their parent.");
        foreach (var u in units) m.Sample(u.Zombies.Sum(z => z.Count), ("unit", u.Name));

        m.Family("corral_unit_zombies_max", "gauge", "ZombieMax= of the unit; absent when there is no limit.");
        foreach (var u in units) if (u.ZombieMax is { } z) m.Sample(z, ("unit", u.Name));

        m.Family("corral_unit_escaped_processes", "gauge", "Processes of the unit's fork lineage that are alive outside its cgroup.");
        foreach (var u in units) m.Sample(u.Escaped.Count, ("unit", u.Name));

        m.Family("corral_unit_limit_enforced", "gauge", "For each limit the unit sets (MemoryMax, TasksMax): 1 when this host enforces it, 0 when it cannot (no controller).");
        foreach (var u in units)
        {
            if (u.MemoryMax is not null) m.Sample(u.IsEnforced("MemoryMax") ? 1 : 0, ("unit", u.Name), ("limit", "MemoryMax"));
            if (u.TasksMax is not null) m.Sample(u.IsEnforced("TasksMax") ? 1 : 0, ("unit", u.Name), ("limit", "TasksMax"));
        }

        m.Family("corral_unit_log_lost_bytes_total", "counter", "Bytes of the unit's output dropped because its log could not be written (a full disk), since the daemon started.");
        foreach (var u in units) m.Sample(u.LogBytesLost, ("unit", u.Name));
    }

    private void WriteEvents(PrometheusText m, List<UnitStatus> units)
    {
        var deaths = store.DeathCounts();
        m.Family("corral_deaths_total", "counter", "Process deaths recorded, by unit and cause: exit, signal, oom-kill, corral, kernel, seccomp, unknown.");
        foreach (var (unit, cause, n) in deaths.OrderBy(d => d.Unit, StringComparer.Ordinal).ThenBy(d => d.Cause, StringComparer.Ordinal))
            m.Sample(n, ("unit", unit), ("cause", cause));

        m.Family("corral_oom_kills_total", "counter", "Processes of the unit killed by the kernel's OOM killer (deaths with cause oom-kill).");
        var oom = deaths.Where(d => d.Cause == "oom-kill").ToDictionary(d => d.Unit, d => d.Count, StringComparer.Ordinal);
        foreach (var name in units.Select(u => u.Name).Union(oom.Keys).Order(StringComparer.Ordinal))
            m.Sample(oom.GetValueOrDefault(name), ("unit", name));

        m.Family("corral_notices_total", "counter", "Notices raised, by kind (zombies-exceeded, escaped, pid-pressure, events-lost, leftover-cgroup, ...).");
        foreach (var (kind, n) in store.NoticeCounts().OrderBy(k => k.Kind, StringComparer.Ordinal))
            m.Sample(n, ("kind", kind));

        m.Family("corral_event_store_held_records", "gauge", "Death records and notices held in memory because the event store could not be written (a full disk).").Sample(store.Held);
        m.Family("corral_event_store_held_dropped_total", "counter", "Held records dropped because more than the most that can be held were waiting.").Sample(store.HeldDropped);
    }

    private static void WriteMachine(PrometheusText m, MachineStatus s)
    {
        m.Family("corral_machine_processes", "gauge", "Processes on the machine.").Sample(s.Processes);
        m.Family("corral_machine_threads", "gauge", "Threads on the machine; each takes a pid.").Sample(s.Threads);
        m.Family("corral_machine_pid_max", "gauge", "kernel.pid_max.").Sample(s.PidMax);
        m.Family("corral_machine_threads_max", "gauge", "kernel.threads-max.").Sample(s.ThreadsMax);
        m.Family("corral_machine_pid_usage_ratio", "gauge", "Threads as a share of the nearer of kernel.pid_max and kernel.threads-max (0 to 1).").Sample(s.Share);
        m.Family("corral_machine_pid_pressure_threshold_ratio", "gauge", "The share past which Corral raises a pid-pressure notice (--pid-pressure).").Sample(s.PressureShare);
        m.Family("corral_machine_pid_pressure", "gauge", "1 while a pid-pressure notice is raised and not cleared.").Sample(s.UnderPressure ? 1 : 0);
        m.Family("corral_proc_events_total", "counter", "Process events (fork, exec, exit ...) read from the kernel's process connector.").Sample(s.ProcEvents);
        m.Family("corral_proc_connector_overruns_total", "counter", "Times the kernel dropped process events because the connector's socket buffer was full.").Sample(s.ConnectorOverruns);
        m.Family("corral_exits_lost_total", "counter", "Tracked processes found gone without an exit event, after lost events.").Sample(s.ExitsLost);
        m.Family("corral_rescans_total", "counter", "Rescans of /proc and the service cgroups after lost events.").Sample(s.Rescans);
    }

    private static void WriteSelf(PrometheusText m)
    {
        var self = SelfUsage.Read();
        m.Family("process_cpu_seconds_total", "counter", "CPU time of the Corral daemon, user and system, in seconds.").Sample(self.CpuSeconds);
        m.Family("process_resident_memory_bytes", "gauge", "Resident memory of the Corral daemon in bytes.").Sample(self.ResidentBytes);
        m.Family("process_virtual_memory_bytes", "gauge", "Virtual memory of the Corral daemon in bytes.").Sample(self.VirtualBytes);
        m.Family("process_open_fds", "gauge", "Open file descriptors of the Corral daemon.").Sample(self.OpenFds);
        if (self.MaxFds is { } max) m.Family("process_max_fds", "gauge", "The daemon's limit of open file descriptors.").Sample(max);
        m.Family("process_start_time_seconds", "gauge", "When the Corral daemon started, in seconds since the epoch.").Sample(self.StartedAt.ToUnixTimeMilliseconds() / 1000.0);
        // What of the resident memory is the managed heap (issue #16, item 4), as of the last collection.
        var gc = GC.GetGCMemoryInfo();
        m.Family("corral_daemon_managed_heap_bytes", "gauge", "The daemon's managed heap after its last garbage collection, in bytes.").Sample(gc.HeapSizeBytes);
        m.Family("corral_daemon_managed_committed_bytes", "gauge", "Memory the daemon's garbage collector holds committed, in bytes.").Sample(gc.TotalCommittedBytes);
        m.Family("corral_daemon_collections_total", "counter", "Garbage collections of the daemon's managed heap (all generations).").Sample(GC.CollectionCount(0));
        m.Family("corral_daemon_gc_pause_seconds_total", "counter", "Time the daemon's threads were paused for garbage collections, in seconds.").Sample(GC.GetTotalPauseDuration().TotalSeconds);
    }
}
