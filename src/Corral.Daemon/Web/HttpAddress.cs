using System.Net;

namespace Corral.Daemon.Web;

/// <summary>The --http argument: ADDRESS:PORT, e.g. 127.0.0.1:9323, 0.0.0.0:9323, [::1]:9323.</summary>
public static class HttpAddress
{
    public static bool TryParse(string text, out IPEndPoint endpoint, out string? error)
    {
        endpoint = null!;
        error = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"--http '{text}' is not ADDRESS:PORT (examples: 127.0.0.1:9323, [::1]:9323, 0.0.0.0:9323)";
            return false;
        }
        string host = text[..colon].Trim('[', ']');
        if (!IPAddress.TryParse(host, out var address))
        {
            error = $"--http '{text}': '{host}' is not an IP address (a host name is not resolved; give 127.0.0.1 or ::1 for this machine only)";
            return false;
        }
        if (!int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            error = $"--http '{text}': '{text[(colon + 1)..]}' is not a port number (0 to 65535)";
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
