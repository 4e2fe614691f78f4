using Corral.Linux;

namespace Corral.Daemon.Services;

/// <summary>
/// The fd store (FileDescriptorStoreMax=, sd_notify's FDSTORE=1): descriptors the service hands
/// over, kept by the unit's loop, given back to its next main process after its sockets (fds 3 on,
/// named in LISTEN_FDNAMES=), so a service restarted after a crash finds its listening sockets and
/// open connections again. Kept across automatic restarts; released when the unit is stopped or
/// fails for good, as systemd does without FileDescriptorStorePreserve=.
/// </summary>
internal sealed partial class ServiceRunner
{
    private readonly List<(string Name, int Fd)> _fdStore = [];

    /// <summary>FDSTORE=1: each descriptor joins the store while there is room; the rest are closed, and said.</summary>
    private void Store(int pid, string? name, IReadOnlyList<int> fds)
    {
        int refused = 0;
        foreach (int fd in fds)
        {
            if (fd < 0) { refused++; continue; }
            if (_fdStore.Count >= Unit.FileDescriptorStoreMax)
            {
                Descriptors.Close(fd);
                refused++;
                continue;
            }
            _fdStore.Add((name ?? "stored", fd));
        }
        if (fds.Count == 0) _notifyLastRefused = $"FDSTORE=1 from pid {pid} came with no descriptor";
        else if (refused > 0)
        {
            _notifyRefused++;
            _notifyLastRefused = $"FDSTORE=1 from pid {pid}: {refused} of {fds.Count} descriptors not kept: the store holds {Unit.FileDescriptorStoreMax} at most (FileDescriptorStoreMax=)";
        }
    }

    /// <summary>FDSTOREREMOVE=1: every stored descriptor of that name is closed.</summary>
    private void RemoveStored(int pid, string? name)
    {
        if (name is null)
        {
            _notifyLastRefused = $"FDSTOREREMOVE=1 from pid {pid} without FDNAME=: nothing removed";
            return;
        }
        foreach (var (_, fd) in _fdStore.Where(e => e.Name == name)) Descriptors.Close(fd);
        _fdStore.RemoveAll(e => e.Name == name);
    }

    /// <summary>The store for a spawn: duplicates (the caller closes them once spawned) and their names.</summary>
    private (List<int> Fds, List<string> Names) StoredForSpawn()
    {
        var fds = new List<int>();
        var names = new List<string>();
        foreach (var (name, fd) in _fdStore)
        {
            int dup = Descriptors.Duplicate(fd);
            if (dup < 0) continue;
            fds.Add(dup);
            names.Add(name);
        }
        return (fds, names);
    }

    /// <summary>daemon-reexec, while the unit's loop is parked (nothing changes the store): its names and descriptors, for the next image.</summary>
    public IReadOnlyList<(string Name, int Fd)> StoreForHandover() => [.. _fdStore];

    /// <summary>
    /// The next image: the store the previous one held for this unit, once its run is taken over. A
    /// unit with no run any more, or whose FileDescriptorStoreMax= is lower now, has the rest closed.
    /// </summary>
    public Task RestoreFdStoreAsync(IReadOnlyList<(string Name, int Fd)> stored) => _loop.Ask(() =>
    {
        bool running = !Core.State.ServiceStateNames.IsInactive(_fsm.State); // auto-restart too: the store is for the next run
        foreach (var (name, fd) in stored)
        {
            if (running && _fdStore.Count < Unit.FileDescriptorStoreMax) _fdStore.Add((name, fd));
            else Descriptors.Close(fd);
        }
        Publish();
    });

    private void ReleaseFdStore()
    {
        foreach (var (_, fd) in _fdStore) Descriptors.Close(fd);
        _fdStore.Clear();
    }
}
