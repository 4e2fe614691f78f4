namespace Corral.Linux.Cgroups;

/// <summary>Tells when a cgroup's populated state may have changed: <see cref="CgroupEventsWatcher"/> on the kernel, a fake in the runner's tests.</summary>
public interface ICgroupWatcher
{
    /// <summary>Calls <paramref name="onChange"/> (on the watcher's thread) whenever the cgroup's events file changes, until disposed.</summary>
    IDisposable Watch(ServiceCgroup cg, Action onChange);
}
