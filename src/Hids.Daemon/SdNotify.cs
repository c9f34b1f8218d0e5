using System.Net.Sockets;
using System.Text;

namespace Hids.Daemon;

/// <summary>systemd's readiness protocol (Type=notify): a datagram to $NOTIFY_SOCKET. No-op outside systemd.</summary>
internal static class SdNotify
{
    public static bool Send(string state)
    {
        var path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path)) return false;
        if (path[0] == '@') path = "\0" + path[1..]; // abstract namespace
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(path));
            s.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException) { return false; }
    }
}
