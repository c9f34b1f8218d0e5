using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Hids.Engine.ActiveResponse;

/// <summary>
/// The addresses active response never blocks, whatever a rule or a user says: loopback (127.0.0.0/8, ::1), the
/// host's own addresses (every interface, enumerated when the responder starts and refreshed periodically; plus
/// the addresses of the network namespace the firewall runs in, when one is configured) and the white list
/// (&lt;global&gt;&lt;white_list&gt;: single addresses and CIDR ranges, IPv4 and IPv6).
/// </summary>
public sealed class ProtectedAddresses
{
    private static readonly AddressRange[] Loopback =
    {
        new(IPAddress.Parse("127.0.0.0"), 8),
        new(IPAddress.IPv6Loopback, 128),
    };

    private readonly List<AddressRange> _whiteList = new();
    private readonly List<string> _invalid = new();
    private readonly Func<IEnumerable<IPAddress>> _ownSource;
    private HashSet<IPAddress> _own = new();
    private DateTime _ownRefreshed = DateTime.MinValue;
    private readonly object _gate = new();

    public ProtectedAddresses(IEnumerable<string> whiteList, Func<IEnumerable<IPAddress>>? ownAddresses = null)
    {
        foreach (var raw in whiteList)
        {
            // OSSEC accepts one entry per element; tolerate comma/space separated lists too.
            foreach (var entry in raw.Split(new[] { ',', ' ', '\t', '\n', '\r' }, StringSplitOptions.RemoveEmptyEntries))
            {
                if (AddressRange.TryParse(entry, out var r, out var error)) _whiteList.Add(r);
                else _invalid.Add(error);
            }
        }
        _ownSource = ownAddresses ?? LocalInterfaceAddresses;
    }

    /// <summary>White-list entries that could not be parsed (reported in the operational log; they protect nothing).</summary>
    public IReadOnlyList<string> InvalidEntries => _invalid;
    public IReadOnlyList<AddressRange> WhiteList => _whiteList;

    /// <summary>True when <paramref name="address"/> must not be blocked; <paramref name="reason"/> says why.</summary>
    public bool IsProtected(IPAddress address, out string reason)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || Loopback.Any(r => r.Contains(address))) { reason = "loopback address"; return true; }
        foreach (var r in _whiteList)
            if (r.Contains(address)) { reason = $"white-listed ({r})"; return true; }
        if (OwnAddresses().Contains(address)) { reason = "one of this host's own addresses"; return true; }
        reason = "";
        return false;
    }

    /// <summary>The host's own addresses (cached for 60 s: interfaces change rarely, blocking must be fast).</summary>
    public IReadOnlySet<IPAddress> OwnAddresses()
    {
        lock (_gate)
        {
            if (DateTime.UtcNow - _ownRefreshed > TimeSpan.FromSeconds(60))
            {
                var set = new HashSet<IPAddress>();
                try
                {
                    foreach (var a in _ownSource()) set.Add(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a);
                }
                catch (Exception) { set.UnionWith(_own); /* keep the last known set */ }
                _own = set;
                _ownRefreshed = DateTime.UtcNow;
            }
            return _own;
        }
    }

    /// <summary>Every unicast address of every interface of this process's network namespace.</summary>
    public static IEnumerable<IPAddress> LocalInterfaceAddresses()
    {
        var list = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            IPInterfaceProperties props;
            try { props = nic.GetIPProperties(); } catch (NetworkInformationException) { continue; }
            foreach (var u in props.UnicastAddresses)
            {
                var a = u.Address;
                if (a.AddressFamily == AddressFamily.InterNetworkV6 && a.ScopeId != 0) a = new IPAddress(a.GetAddressBytes());
                list.Add(a);
            }
        }
        return list;
    }
}
