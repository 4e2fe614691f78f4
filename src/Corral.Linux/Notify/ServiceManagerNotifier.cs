using System.Net.Sockets;
using System.Text;

namespace Corral.Linux.Notify;

/// <summary>
/// The daemon's own sd_notify client, for when a service manager (systemd, as `Type=notify`)
/// started it: READY=1 once the control socket answers, STOPPING=1 when it begins to stop its
/// services. The address is taken from NOTIFY_SOCKET once and the variable removed, so nothing the
/// daemon starts inherits it (each service gets Corral's own). Without NOTIFY_SOCKET it does nothing;
/// a send that fails is said once on stderr and never stops the daemon.
/// </summary>
public sealed class ServiceManagerNotifier
{
    private readonly string? _address;

    private ServiceManagerNotifier(string? address) => _address = address;

    public static ServiceManagerNotifier FromEnvironment()
    {
        string? address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
        // A path, or an abstract name written with a leading '@' (sd_notify(3)).
        if (string.IsNullOrEmpty(address) || (address[0] != '/' && address[0] != '@')) return new ServiceManagerNotifier(null);
        return new ServiceManagerNotifier(address[0] == '@' ? "\0" + address[1..] : address);
    }

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}\n");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}\n");

    private void Send(string message)
    {
        if (_address is null) return;
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            s.SendTo(Encoding.UTF8.GetBytes(message), new UnixDomainSocketEndPoint(_address));
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"corral: could not tell the service manager '{message.Split('\n')[0]}' on NOTIFY_SOCKET: {e.Message}");
        }
    }
}
