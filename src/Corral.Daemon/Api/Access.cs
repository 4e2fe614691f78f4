using Corral.Linux.Procfs;

namespace Corral.Daemon.Api;

/// <summary>Who is asking, as the kernel says (SO_PEERCRED), and what they may do.</summary>
internal sealed record Caller(int Pid, int Uid, int Gid);

/// <summary>
/// The socket's rule: root may do everything; members of the socket's group (primary or
/// supplementary group of the calling process) may read — every GET — and nothing else; anyone
/// else is refused. The socket file itself is mode 0660 root:GROUP, so the kernel refuses most
/// others at connect already; this check is the one that does not depend on the file's mode.
/// </summary>
internal sealed class Access(int socketGid, string groupName)
{
    public int SocketGid => socketGid;

    /// <summary>Null when allowed; otherwise the message of the refusal. Decided on the route, the request as it will run.</summary>
    public string? Check(Caller? caller, ApiRoute route)
    {
        if (caller is null) return "permission denied: the caller's credentials are unknown";
        if (caller.Uid == 0) return null;
        bool member = caller.Gid == socketGid || ProcReader.ReadGroups(caller.Pid).Contains(socketGid);
        if (!member)
            return $"permission denied: uid {caller.Uid} is neither root nor a member of group {groupName} ({socketGid}), the group of the corral socket";
        if (!route.IsAction) return null;
        return $"permission denied: uid {caller.Uid} (group {groupName}) may read (list, status, show, ps, why, events, logs) but not {route.Describe()}; that needs root";
    }
}
