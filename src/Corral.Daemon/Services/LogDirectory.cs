using Corral.Linux;

namespace Corral.Daemon.Services;

/// <summary>
/// The directory of the services' logs (--log-dir), checked once at start-up. The daemon creates
/// and appends files there as root, so whoever may write into it could swap a log for a symlink to
/// any file of the machine, or fill it: it must be owned by root and not writable by others. A log
/// file is then always opened with O_NOFOLLOW (AppendFile), which no check of the directory can
/// replace. Created as 0750 when missing.
/// </summary>
internal static class LogDirectory
{
    public static void Prepare(string dir)
    {
        if (FileFacts.OfPath(dir, follow: true) is not { } facts)
        {
            Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
            facts = FileFacts.OfPath(dir, follow: true)!.Value;
        }
        if (!facts.IsDirectory)
            throw new DaemonStartException($"--log-dir {dir} is not a directory");
        if (facts.Uid != 0)
            throw new DaemonStartException($"--log-dir {dir} is owned by uid {facts.Uid}, not root: whoever owns it could turn the logs the daemon writes as root into links to any file. chown root {dir}, or choose another --log-dir");
        if (facts.WritableByOthers)
            throw new DaemonStartException($"--log-dir {dir} is writable by others (mode {facts.Octal}{((facts.Permissions & 0x200) != 0 ? ", sticky" : "")}): anyone could put links or files there that the daemon, as root, would write through. chmod o-w {dir}, or choose another --log-dir");
    }
}
